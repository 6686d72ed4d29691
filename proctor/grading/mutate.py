"""Mutation testing of a pack's hidden tests: small changes to the reference that the tests should notice.

`proctor challenges mutate SLUG` makes every mutant below from the reference's Python files with `ast`, grades a
deterministic sample of them with the normal engine, and lists the survivors: mutants that still score 100, so
either the tests miss a mistake or the change makes no difference. A pack records the second kind, with a
reason each, in `graders/<slug>/equivalent-mutants.toml`; they are reported as equivalent, not as gaps.

| kind | change |
|---|---|
| `compare` | `<`↔`<=`, `>`↔`>=`, `==`↔`!=`, `in`↔`not in`, `is`↔`is not` |
| `arith` | `+`↔`-`, `*`↔`/`, `//`→`*`, `%`→`//` (in expressions and augmented assignments) |
| `constant` | an integer constant ±1 |
| `status` | an HTTP status code (`status_code=`, `HTTPException(...)`, `status.HTTP_...`) swapped for a near one |
| `bound` | `min_length`, `max_length`, `ge`, `le`, `gt`, `lt`, `min_items`, `max_items` ±1 |
| `remove` | a statement in a function (or a module-level call) replaced with `pass` |
| `raise` | `raise ...` → `return` (in a function) or `pass` |
"""

from __future__ import annotations

import ast
import random
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from proctor.grading.engine import grade
from proctor.grading.packs import Challenge, PackError
from proctor.grading.results import RunResult, RunStatus
from proctor.grading.sandbox import Sandbox
from proctor.settings import Settings

EQUIVALENTS_FILE = "equivalent-mutants.toml"

COMPARE_SWAP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
ARITH_SWAP: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv}
SYMBOLS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.In: "in",
           ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.Add: "+", ast.Sub: "-", ast.Mult: "*",
           ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%"}
# A near status a careless author might write instead: the tests should tell them apart.
STATUS_SWAP = {200: 201, 201: 200, 202: 200, 204: 200, 302: 307, 307: 302, 400: 422, 401: 403, 403: 401, 404: 400,
               405: 400, 409: 400, 422: 400, 429: 400, 500: 400, 503: 500}
STATUS_NAMES = {200: "HTTP_200_OK", 201: "HTTP_201_CREATED", 204: "HTTP_204_NO_CONTENT", 400: "HTTP_400_BAD_REQUEST",
                401: "HTTP_401_UNAUTHORIZED", 403: "HTTP_403_FORBIDDEN", 404: "HTTP_404_NOT_FOUND",
                409: "HTTP_409_CONFLICT"}
STATUS_KEYWORDS = {"status_code", "status"}
STATUS_CALLS = {"HTTPException"}  # whose first positional argument is a status code
BOUND_KEYWORDS = {"min_length", "max_length", "ge", "le", "gt", "lt", "min_items", "max_items"}
BODY_FIELDS = ("body", "orelse", "finalbody")
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
KEPT_STATEMENTS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom, ast.Pass,
                   ast.Global, ast.Nonlocal, ast.Raise)


@dataclass(frozen=True)
class Mutation:
    """One small change to one file: where, what, and how to find its node again (site, variant)."""

    file: str
    line: int
    kind: str
    description: str
    site: int  # the node's index in ast.walk order of the file's parse
    variant: int  # which of the node's changes

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}: {self.description}"


Change = tuple[str, str, int, Callable[[], None]]  # kind, description, line, apply


def _status_swap(code: int) -> int:
    return STATUS_SWAP.get(code, 400 if code >= 400 else 200)


def _roles(tree: ast.AST) -> dict[int, str]:
    """The integer constants that mean a status code or a length/range bound, by node id."""
    roles: dict[int, str] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg in STATUS_KEYWORDS:
                roles[id(keyword.value)] = "status"
            elif keyword.arg in BOUND_KEYWORDS:
                roles[id(keyword.value)] = f"bound:{keyword.arg}"
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        if name in STATUS_CALLS and node.args:
            roles[id(node.args[0])] = "status"
    return roles


def _short(node: ast.AST, width: int = 60) -> str:
    text = ast.unparse(node).splitlines()[0]
    return text if len(text) <= width else text[: width - 1] + "…"


def _set(obj: object, name: str, value: object) -> Callable[[], None]:
    return lambda: setattr(obj, name, value)


def _set_item(items: list[Any], index: int, value: object) -> Callable[[], None]:
    def apply() -> None:
        items[index] = value
    return apply


def _changes(node: ast.AST, roles: dict[int, str], in_function: set[int]) -> Iterator[Change]:
    """Every change of this node, in a fixed order; each applies itself to this very node."""
    line = getattr(node, "lineno", 0)
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            new = COMPARE_SWAP[type(op)]
            ops = [*node.ops[:i], new(), *node.ops[i + 1:]]
            yield "compare", f"`{SYMBOLS[type(op)]}` → `{SYMBOLS[new]}`", line, _set(node, "ops", ops)
    elif isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in ARITH_SWAP:
        swap = ARITH_SWAP[type(node.op)]
        yield "arith", f"`{SYMBOLS[type(node.op)]}` → `{SYMBOLS[swap]}`", line, _set(node, "op", swap())
    elif isinstance(node, ast.Constant) and type(node.value) is int:
        role = roles.get(id(node), "")
        if role == "status":
            new_code = _status_swap(node.value)
            yield "status", f"status {node.value} → {new_code}", line, _set(node, "value", new_code)
        else:
            kind, label = ("bound", f"{role[6:]}=") if role.startswith("bound:") else ("constant", "")
            for delta in (1, -1):
                value = node.value + delta
                yield kind, f"{label}{node.value} → {value}", line, _set(node, "value", value)
    elif isinstance(node, ast.Attribute) and node.attr.startswith("HTTP_") and node.attr[5:8].isdigit():
        new_code = _status_swap(int(node.attr[5:8]))
        new_name = STATUS_NAMES.get(new_code, "HTTP_400_BAD_REQUEST")
        yield "status", f"{node.attr} → {new_name}", line, _set(node, "attr", new_name)
    for name in BODY_FIELDS:
        body = getattr(node, name, None)
        if not isinstance(body, list):
            continue
        for i, stmt in enumerate(body):
            if not isinstance(stmt, ast.stmt):
                continue
            inside = id(stmt) in in_function
            passed = ast.copy_location(ast.Pass(), stmt)
            if isinstance(stmt, ast.Raise):
                if inside:
                    returned = ast.copy_location(ast.Return(value=None), stmt)
                    yield "raise", "`raise` → `return`", stmt.lineno, _set_item(body, i, returned)
                yield "raise", "`raise` → `pass`", stmt.lineno, _set_item(body, i, passed)
            elif isinstance(stmt, KEPT_STATEMENTS) or _is_docstring(stmt):
                continue
            elif inside or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
                yield "remove", f"remove `{_short(stmt)}`", stmt.lineno, _set_item(body, i, passed)


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _walk(source: str) -> tuple[ast.Module, list[tuple[ast.AST, list[Change]]]]:
    tree = ast.parse(source)
    roles = _roles(tree)
    in_function = {id(inner) for node in ast.walk(tree) if isinstance(node, FUNCTIONS)
                   for stmt in node.body for inner in ast.walk(stmt)}
    return tree, [(node, list(_changes(node, roles, in_function))) for node in ast.walk(tree)]


def mutable_files(files: dict[str, bytes], given: dict[str, bytes] | None = None) -> list[str]:
    """The reference's own Python files, in name order (given files are the challenge's, not the answer's)."""
    return sorted(name for name in files if name.endswith(".py") and name not in (given or {}))


def mutations(files: dict[str, bytes], given: dict[str, bytes] | None = None) -> list[Mutation]:
    """Every mutation of the files, in a fixed order: by file, then by line (then `ast.walk` order)."""
    found: list[Mutation] = []
    for name in mutable_files(files, given):
        try:
            _, sites = _walk(files[name].decode())
        except (SyntaxError, UnicodeDecodeError) as exc:
            raise PackError(f"{name} of the reference does not parse: {exc}") from None
        in_file = [Mutation(name, line, kind, description, site, variant)
                   for site, (_, changes) in enumerate(sites)
                   for variant, (kind, description, line, _) in enumerate(changes)]
        found += sorted(in_file, key=lambda m: (m.line, m.site, m.variant))
    return found


def apply(files: dict[str, bytes], mutation: Mutation) -> dict[str, bytes]:
    """The files with the mutation made (the mutated file as `ast.unparse` writes it, comments gone)."""
    tree, sites = _walk(files[mutation.file].decode())
    sites[mutation.site][1][mutation.variant][3]()
    return {**files, mutation.file: (ast.unparse(ast.fix_missing_locations(tree)) + "\n").encode()}


def sample(found: list[Mutation], count: int | None, seed: int) -> list[Mutation]:
    """At most `count` of the mutations, the same ones for the same seed, in their original order."""
    if count is None or count >= len(found):
        return list(found)
    chosen = set(random.Random(seed).sample(range(len(found)), count))
    return [m for i, m in enumerate(found) if i in chosen]


def load_equivalents(challenge: Challenge) -> dict[str, str]:
    """`graders/<slug>/equivalent-mutants.toml`: mutant id → why it behaves like the reference."""
    path = challenge.grader_root / EQUIVALENTS_FILE
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text())
        entries = {str(e["id"]): str(e["reason"]) for e in data.get("mutant", [])}
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise PackError(f"{path}: each [[mutant]] needs an id and a reason ({exc})") from None
    if not all(entries.values()):
        raise PackError(f"{path}: every equivalent mutant needs a reason")
    return entries


@dataclass
class Outcome:
    mutation: Mutation
    result: RunResult
    equivalent: str = ""  # the pack's reason, when it records this mutant as equivalent

    @property
    def killed(self) -> bool:
        return self.result.status != RunStatus.GRADED or self.result.score < 100


@dataclass
class MutationReport:
    generated: int
    outcomes: list[Outcome] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # equivalents that match no mutant of the reference any more

    @property
    def killed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.killed]

    @property
    def survivors(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.killed and not o.equivalent]

    @property
    def equivalents(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.killed and o.equivalent]

    @property
    def score(self) -> float:
        """Killed mutants as a share of those that could be killed (equivalent ones left out), in percent."""
        counted = len(self.killed) + len(self.survivors)
        return round(100.0 * len(self.killed) / counted, 1) if counted else 100.0


def run_mutants(challenge: Challenge, *, backend: Sandbox | None, count: int | None = None, seed: int = 0,
                jobs: int = 1, settings: Settings,
                log: Callable[[Outcome], None] = lambda o: None) -> MutationReport:
    """Grade a sample of the reference's mutants with the hidden tests; raises PackError if the reference itself
    does not score 100 (every mutant would look killed)."""
    if challenge.kind != "http":
        raise PackError(f"{challenge.slug} is a {challenge.kind} pack: only http packs have a reference to mutate")
    reference = challenge.reference_files()
    baseline = grade(challenge, reference, backend=backend, settings=settings)
    if baseline.status != RunStatus.GRADED or baseline.score != 100:
        raise PackError(f"the reference of {challenge.slug} scores {baseline.score:g} ({baseline.status.value}), "
                        "not 100: validate the pack first")
    found = mutations(reference, challenge.given_files())
    equivalents = load_equivalents(challenge)
    known = {m.id for m in found}
    report = MutationReport(generated=len(found), stale=sorted(set(equivalents) - known))

    def run(mutation: Mutation) -> Outcome:
        result = grade(challenge, apply(reference, mutation), backend=backend, settings=settings)
        outcome = Outcome(mutation, result, equivalents.get(mutation.id, ""))
        log(outcome)
        return outcome

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as executor:
        report.outcomes = list(executor.map(run, sample(found, count, seed)))
    return report


def verdict(outcome: Outcome) -> str:
    """One line on how the tests took the mutant."""
    result = outcome.result
    if result.status != RunStatus.GRADED:
        return f"{result.status.value}"
    failed = [t.name for t in result.tests if t.status != "passed"]
    if not failed:
        return f"score 100: all {len(result.tests)} tests passed"
    return f"score {result.score:g}: failed {', '.join(failed[:4])}{' …' if len(failed) > 4 else ''}"
