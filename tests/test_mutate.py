"""`proctor challenges mutate`: the mutation generator (pure, deterministic) and one real run in bwrap."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from proctor.grading.limits import Limits
from proctor.grading.mutate import (
    Mutation,
    MutationReport,
    Outcome,
    apply,
    load_equivalents,
    mutations,
    sample,
    verdict,
)
from proctor.grading.packs import PackError
from proctor.grading.results import RunResult, RunStatus, TestResult, TestStatus

SOURCE = '''\
from fastapi import FastAPI, HTTPException, Query, status

app = FastAPI()
app.include_router(other)
LIMIT = 3


def helper():
    """A docstring is never removed."""
    total = 1 + 2
    return total


@app.get("/items", status_code=201)
def items(skip: int = Query(ge=0, max_length=5)):
    if skip < LIMIT and skip in SEEN:
        raise HTTPException(404, detail="gone")
    skip -= 1
    return {"code": status.HTTP_401_UNAUTHORIZED}
'''


def by_kind(kind: str) -> list[str]:
    return [m.id for m in mutations({"app.py": SOURCE.encode()}) if m.kind == kind]


def mutated(mutation_id: str) -> str:
    files = {"app.py": SOURCE.encode()}
    [mutation] = [m for m in mutations(files) if m.id == mutation_id]
    return apply(files, mutation)["app.py"].decode()


def test_the_same_source_gives_the_same_mutations_in_the_same_order():
    first = mutations({"app.py": SOURCE.encode(), "b.py": b"x = 1 < 2\n"})
    assert first == mutations({"b.py": b"x = 1 < 2\n", "app.py": SOURCE.encode()})
    assert [m.file for m in first] == sorted(m.file for m in first)
    assert len({m.id for m in first}) == len(first), "ids tell mutants apart"


def test_a_sample_is_the_same_for_the_same_seed_and_keeps_the_order():
    found = mutations({"app.py": SOURCE.encode()})
    assert sample(found, 5, seed=1) == sample(found, 5, seed=1)
    assert sample(found, 5, seed=1) != sample(found, 5, seed=2)
    picked = sample(found, 5, seed=1)
    assert len(picked) == 5 and picked == sorted(picked, key=found.index)
    assert sample(found, None, seed=1) == sample(found, 10_000, seed=1) == found


def test_comparisons_are_swapped_one_operator_at_a_time():
    assert by_kind("compare") == ["app.py:16: `<` → `<=`", "app.py:16: `in` → `not in`"]
    assert "if skip <= LIMIT and skip in SEEN:" in mutated("app.py:16: `<` → `<=`")
    assert "if skip < LIMIT and skip not in SEEN:" in mutated("app.py:16: `in` → `not in`")


def test_arithmetic_in_expressions_and_augmented_assignments():
    assert by_kind("arith") == ["app.py:10: `+` → `-`", "app.py:18: `-` → `+`"]
    assert "total = 1 - 2" in mutated("app.py:10: `+` → `-`")
    assert "skip += 1" in mutated("app.py:18: `-` → `+`")


def test_integer_constants_move_by_one_either_way():
    assert by_kind("constant") == ["app.py:5: 3 → 4", "app.py:5: 3 → 2", "app.py:10: 1 → 2", "app.py:10: 1 → 0",
                                   "app.py:10: 2 → 3", "app.py:10: 2 → 1", "app.py:18: 1 → 2", "app.py:18: 1 → 0"]
    assert "LIMIT = 2" in mutated("app.py:5: 3 → 2")


def test_status_codes_are_swapped_for_a_near_one():
    assert by_kind("status") == ["app.py:14: status 201 → 200", "app.py:17: status 404 → 400",
                                 "app.py:19: HTTP_401_UNAUTHORIZED → HTTP_403_FORBIDDEN"]
    assert "status_code=200" in mutated("app.py:14: status 201 → 200")
    assert "HTTPException(400, detail='gone')" in mutated("app.py:17: status 404 → 400")
    assert "status.HTTP_403_FORBIDDEN" in mutated("app.py:19: HTTP_401_UNAUTHORIZED → HTTP_403_FORBIDDEN")


def test_length_and_range_bounds_move_by_one():
    assert by_kind("bound") == ["app.py:15: ge=0 → 1", "app.py:15: ge=0 → -1", "app.py:15: max_length=5 → 6",
                                "app.py:15: max_length=5 → 4"]
    assert "Query(ge=1, max_length=5)" in mutated("app.py:15: ge=0 → 1")


def test_statements_are_removed_but_not_definitions_imports_or_docstrings():
    assert by_kind("remove") == [
        "app.py:4: remove `app.include_router(other)`", "app.py:10: remove `total = 1 + 2`",
        "app.py:11: remove `return total`", "app.py:16: remove `if skip < LIMIT and skip in SEEN:`",
        "app.py:18: remove `skip -= 1`", "app.py:19: remove `return {'code': status.HTTP_401_UNAUTHORIZED}`"]
    source = mutated("app.py:10: remove `total = 1 + 2`")
    assert "total = 1 + 2" not in source and "A docstring is never removed." in source
    ast.parse(source)


def test_raise_becomes_return_or_pass():
    assert by_kind("raise") == ["app.py:17: `raise` → `return`", "app.py:17: `raise` → `pass`"]
    assert "raise" not in mutated("app.py:17: `raise` → `return`").split("LIMIT and skip in SEEN:")[1].split("\n")[1]
    assert mutated("app.py:17: `raise` → `pass`").count("raise") == 0
    # Outside a function, `return` would not compile: only `pass` is offered.
    module_raise = [m.description for m in mutations({"a.py": b"if X:\n    raise SystemExit(1)\n"})
                    if m.kind == "raise"]
    assert module_raise == ["`raise` → `pass`"]


def test_every_mutant_compiles_and_differs_from_the_reference():
    files = {"app.py": SOURCE.encode()}
    plain = ast.unparse(ast.parse(SOURCE))
    for mutation in mutations(files):
        source = apply(files, mutation)["app.py"].decode()
        compile(source, "app.py", "exec")
        assert source.strip() != plain, mutation.id


def test_given_files_and_non_python_files_are_not_mutated():
    files = {"app.py": b"x = 1\n", "database.py": b"y = 2\n", "data.json": b"{}"}
    assert {m.file for m in mutations(files, given={"database.py": b""})} == {"app.py"}


def test_a_reference_that_does_not_parse_is_a_pack_error():
    with pytest.raises(PackError, match="does not parse"):
        mutations({"app.py": b"def broken(:\n"})


def test_equivalents_need_an_id_and_a_reason(tmp_path, catalog):
    challenge = catalog.get("hello-route").model_copy(update={"grader_root": tmp_path})
    assert load_equivalents(challenge) == {}
    (tmp_path / "equivalent-mutants.toml").write_text('[[mutant]]\nid = "app.py:3: 1 → 2"\nreason = "unused"\n')
    assert load_equivalents(challenge) == {"app.py:3: 1 → 2": "unused"}
    (tmp_path / "equivalent-mutants.toml").write_text('[[mutant]]\nid = "app.py:3: 1 → 2"\n')
    with pytest.raises(PackError, match="needs an id and a reason"):
        load_equivalents(challenge)
    (tmp_path / "equivalent-mutants.toml").write_text('[[mutant]]\nid = "app.py:3: 1 → 2"\nreason = ""\n')
    with pytest.raises(PackError, match="needs a reason"):
        load_equivalents(challenge)


def graded(score: float, status: RunStatus = RunStatus.GRADED) -> RunResult:
    tests = [TestResult(name="test_a", status=TestStatus.PASSED if score == 100 else TestStatus.FAILED, points=0,
                        max_points=1)]
    return RunResult(challenge="x", status=status, score=score, points=0, max_points=1, tests=tests, sandbox="bwrap",
                     duration_ms=1, limits=Limits())


def test_the_score_leaves_equivalent_mutants_out_and_counts_a_crash_as_killed():
    m = Mutation("app.py", 1, "constant", "1 → 2", 0, 0)
    report = MutationReport(generated=9, outcomes=[
        Outcome(m, graded(50)), Outcome(m, graded(0, RunStatus.TIMEOUT)), Outcome(m, graded(100)),
        Outcome(m, graded(100), equivalent="same behaviour"), Outcome(m, graded(80), equivalent="listed, but killed")])
    assert (len(report.killed), len(report.survivors), len(report.equivalents)) == (3, 1, 1)
    assert report.score == 75.0
    assert verdict(report.outcomes[0]) == "score 50: failed test_a"
    assert verdict(report.outcomes[1]) == "timeout"
    assert verdict(report.outcomes[2]) == "score 100: all 1 tests passed"
    assert MutationReport(generated=0).score == 100.0


def test_mutate_hello_route_reports_a_mutation_score(bwrap):
    done = subprocess.run([sys.executable, "-m", "proctor.cli", "challenges", "mutate", "hello-route", "--max", "5",
                           "--sandbox", "bwrap"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert any(line.startswith("  killed   app.py:") and "[remove]" in line and "failed test_" in line
               for line in lines)
    assert lines[-1].startswith("hello-route: mutation score 100% (")
    assert "0 survived" in lines[-1] and "seed 0)" in lines[-1]


def test_mutate_refuses_a_quiz_and_a_bad_max():
    done = subprocess.run([sys.executable, "-m", "proctor.cli", "challenges", "mutate", "quiz-testing"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "only http packs" in done.stderr
    done = subprocess.run([sys.executable, "-m", "proctor.cli", "challenges", "mutate", "hello-route", "--max", "0"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--max must be at least 1" in done.stderr


def test_every_recorded_equivalent_mutant_is_one_the_reference_still_yields(catalog):
    """An edit to a reference shifts lines: a recorded id that no longer matches would quietly let that mutant
    count as a survivor again (or excuse nothing). The timing packs' entries are among them."""
    recorded = 0
    for challenge in catalog.all():
        equivalents = load_equivalents(challenge)
        if not equivalents:
            continue
        ids = {m.id for m in mutations(challenge.reference_files(), challenge.given_files())}
        assert set(equivalents) <= ids, (challenge.slug, sorted(set(equivalents) - ids))
        recorded += len(equivalents)
    assert {"caching", "websocket-chat"} <= {c.slug for c in catalog.all() if load_equivalents(c)}
    assert recorded >= 21
