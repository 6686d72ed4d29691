"""Grade a candidate's own tests (kind = "pytest") by the share of the pack's mutants they kill.

    graders/<slug>/app/                the correct app the contract describes
    graders/<slug>/mutants/<name>.patch  the same app with one mistake, as a diff against app/ (patches.py),
                                       with its `why` in mutants/mutants.toml, one line in words
    graders/<slug>/mutants/<name>/     or as a full copy: its files, and `why.txt` (what the authoring form writes)
    graders/<slug>/reference/          a test suite that kills every mutant (scores 100)
    graders/<slug>/wrong/<case>/       weaker suites (score below 100)

The suite runs once per app (suite_run.py): twice against the correct app and once against each mutant, in an
order drawn at random and never told to the suite. It must pass every test against the correct app both times,
else the score is 0 and the feedback names the test. A mutant is killed when the suite does not pass against it.

Why the suite's own report cannot buy a kill (docs/security.md): the suite's process sees the same files, the
same environment and the same spec in every run; the apps differ only in how they answer over HTTP. Whatever it
reports, a suite that does not tell the apps apart by their answers behaves alike in every run, so a "failure" it
fakes against a mutant it fakes against the correct app too (score 0). A suite that fails at random, with
probability p per run, passes both reference runs with probability (1 - p)² and kills p of the mutants: at most
15 points on average, never reliably, and three reruns of the same suite disagree.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
import tomllib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from proctor.grading.jobs import Job
from proctor.grading.limits import Limits
from proctor.grading.packs import Challenge, PackError, read_tree
from proctor.grading.patches import PatchError, apply_patch
from proctor.grading.protocol import Finished, ProgressEvent, TestFinished, TestMeta, TestsCollected
from proctor.grading.results import RunResult, RunStatus, TestResult, TestStatus, compute_score
from proctor.grading.sandbox.base import Sandbox, SandboxUnavailable
from proctor.grading.submission import check_files
from proctor.grading.suite_fork import suite_forks
from proctor.grading.suite_pool import SuitePool
from proctor.grading.suite_run import SuiteRun, SuiteVerdict
from proctor.grading.suite_sandbox import SuiteProcess, start_suite
from proctor.grading.wrong_cases import PATCH_SUFFIX
from proctor.settings import Settings

log = logging.getLogger(__name__)

REFERENCE_RUNS = 2
WHYS_FILE = "mutants.toml"  # [<name>] why = "...", for the mutants stored as patches
PARALLEL = 3
INFRA_MESSAGE = "Grading failed for a reason that is not your code's fault. It will be retried; nothing was counted."


@dataclass(frozen=True)
class Variant:
    name: str  # "reference" or the mutant's folder name
    files: dict[str, bytes]
    description: str = ""


def correct_app(challenge: Challenge) -> dict[str, bytes]:
    return read_tree(challenge.grader_root / "app")


def mutants(challenge: Challenge) -> list[Variant]:
    """The pack's mutants by name, patches applied to the correct app; PackError for one that is broken."""
    root = challenge.grader_root / "mutants"
    if not root.is_dir():
        return []
    whys = _whys(root / WHYS_FILE)
    found = []
    for entry in sorted(root.iterdir()):
        if entry.is_dir():
            files = read_tree(entry)
            why = files.pop("why.txt", b"").decode("utf-8", "replace").strip()
            found.append(Variant(entry.name, files, why))
        elif entry.name.endswith(PATCH_SUFFIX):
            name = entry.name.removesuffix(PATCH_SUFFIX)
            if (root / name).is_dir():
                raise PackError(f"mutants/{name}/ and mutants/{entry.name} are two mutants of one name")
            try:
                files = apply_patch(correct_app(challenge), entry.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, PatchError) as exc:
                raise PackError(f"mutants/{entry.name}: {exc}") from None
            found.append(Variant(name, files, whys.get(name, "")))
    return found


def _whys(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PackError(f"mutants/{WHYS_FILE}: {exc}") from None
    return {name: str(table.get("why", "")).strip() if isinstance(table, dict) else "" for name, table in data.items()}


def mutant_problems(challenge: Challenge) -> list[str]:
    """What a pytest pack is missing, as sentences."""
    problems = []
    app = correct_app(challenge)
    if f"{challenge.app.module}.py" not in app:
        problems.append(f"graders/{challenge.slug}/app/ has no {challenge.app.module}.py (the correct app)")
    try:
        found = mutants(challenge)
    except PackError as exc:
        return [*problems, str(exc)]
    if len(found) < 3:
        problems.append(f"graders/{challenge.slug}/mutants/ holds {len(found)} mutants; at least 3 are needed")
    root = challenge.grader_root / "mutants"
    unknown = sorted(_whys(root / WHYS_FILE).keys() - {m.name for m in found})
    if unknown:
        problems.append(f"mutants/{WHYS_FILE} describes {', '.join(unknown)}, which is no mutant in mutants/")
    for mutant in found:
        if not mutant.description or "\n" in mutant.description:
            where = f"mutants/{mutant.name}/why.txt" if (root / mutant.name).is_dir() else \
                f"[{mutant.name}] in mutants/{WHYS_FILE}"
            problems.append(f"{where} must give one line saying the mistake in words")
        if mutant.files == app:
            problems.append(f"mutants/{mutant.name} is the correct app itself")
    return problems


def suite_texts(files: dict[str, bytes]) -> tuple[dict[str, str], list[str]]:
    """The submission as text, and the test modules pytest is given (test_*.py at the top level)."""
    texts = {name: data.decode("utf-8") for name, data in files.items()}
    tests = sorted(n for n in texts if "/" not in n and n.startswith("test_") and n.endswith(".py"))
    return texts, tests


def grade_suite(challenge: Challenge, files: dict[str, bytes], *, suite: str, backend: Sandbox, limits: Limits,
                settings: Settings, on_event: Callable[[ProgressEvent], None] | None = None,
                pool: SuitePool | None = None) -> RunResult:
    """Run the candidate's suite against the correct app and every mutant. suite="examples" runs it against the
    correct app only and shows each of the candidate's tests (not a score)."""
    if suite not in ("hidden", "examples"):
        raise PackError(f"{challenge.slug} runs the candidate's tests; it has no {suite} suite")
    if backend.name == "docker" and (problem := _bwrap_problem()):  # the app in a container, the suite under bwrap
        raise SandboxUnavailable(f"a candidate's test suite runs under bwrap, even with Docker apps: {problem}")
    started = time.monotonic()
    emit = on_event or (lambda event: None)
    check_files(files)
    texts, tests = suite_texts(files)
    pack = mutants(challenge)

    def result(status: RunStatus, results: list[TestResult], message: str, output: str = "",
               zero: bool = False) -> RunResult:
        score, points, max_points = compute_score(results)
        seconds = time.monotonic() - started
        final = RunResult(
            challenge=challenge.slug, suite=suite, status=status, score=0.0 if zero else score,
            points=0 if zero else points, max_points=max_points, tests=results, output=output,
            sandbox=backend.name, duration_ms=int(seconds * 1000), message=message, limits=limits,
            versions=_versions(settings), graders_sha256=_digest(challenge))
        emit(Finished(status=final.status, score=final.score))
        return final

    if not tests:
        return result(RunStatus.NOT_GRADABLE, [], "Your submission has no test module: name it test_app.py.")
    if suite == "examples":
        variants = [Variant("reference", correct_app(challenge))]
    else:
        variants = [Variant("reference", correct_app(challenge))] * REFERENCE_RUNS + pack
        emit(TestsCollected(tests=[TestMeta(name=m.name, max_points=1, description=m.description) for m in pack]))
    order = list(range(len(variants)))
    secrets.SystemRandom().shuffle(order)  # which run serves which app is never told to the suite

    def run(i: int) -> SuiteVerdict:
        try:
            return run_variant(challenge, variants[i], texts, tests, backend=backend, limits=limits,
                               settings=settings, pool=pool if pool is not None and pool.backend is backend else None)
        except Exception:  # the platform's failure: logged, never counted as a kill
            log.exception("running a suite of %s against %s failed", challenge.slug, variants[i].name)
            return SuiteVerdict(False, "", RunStatus.INFRA_ERROR, platform_failed=True)

    with ThreadPoolExecutor(max_workers=min(PARALLEL, len(order))) as executor:
        verdicts = dict(zip(order, executor.map(run, order), strict=True))
    if any(v.platform_failed for v in verdicts.values()):
        return result(RunStatus.INFRA_ERROR, [], INFRA_MESSAGE)
    references = [verdicts[i] for i, v in enumerate(variants) if v.name == "reference"]
    failing = next((v for v in references if not v.passed), None)
    if suite == "examples":
        shown = references[0]
        return result(shown.status, shown.tests, shown.reason, shown.output)
    took = f"Ran your tests against {REFERENCE_RUNS} × the correct app and {len(pack)} mutants in " \
           f"{time.monotonic() - started:.1f} s."
    if failing is not None:
        not_counted = [TestResult(name=m.name, description=m.description, status=TestStatus.ERROR, points=0,
                                  max_points=1, message="Not counted: your tests fail against the correct app.")
                       for m in pack]
        message = f"Score 0: your tests must all pass against the correct app, and they do not. {failing.reason}"
        return result(failing.status, not_counted, message, failing.output, zero=True)
    results = []
    for i, variant in enumerate(variants):
        if variant.name == "reference":
            continue
        verdict = verdicts[i]
        killed = not verdict.passed
        results.append(TestResult(
            name=variant.name, description=variant.description,
            status=TestStatus.PASSED if killed else TestStatus.FAILED, points=1 if killed else 0, max_points=1,
            message=f"Killed: {verdict.reason}"[:limits.message_bytes] if killed else
            f"Survived: every test passes against an app with this mistake: {variant.description}"))
        emit(TestFinished(result=results[-1]))
    return result(RunStatus.GRADED, results, took, references[0].output)


def run_variant(challenge: Challenge, variant: Variant, texts: dict[str, str], tests: list[str], *, backend: Sandbox,
                limits: Limits, settings: Settings, pool: SuitePool | None = None) -> SuiteVerdict:
    """The suite against one app, each in its own sandbox (warm from the pool when one fits); both torn down
    before this returns."""
    slot = pool.take(limits) if pool is not None else None
    if slot is not None:
        job = slot.job
        job.write_files(variant.files)
    else:
        job = Job.create(settings.jobs_dir, variant.files)
    try:
        forks = suite_forks(backend)  # where apps fork from a warm server, suites do too
        suite = slot.grader if slot else forks.start(job, limits) if forks else start_suite(
            job, backend=backend.name, venv=settings.runtime_dir, limits=limits, uid=settings.sandbox_uid,
            gid=settings.sandbox_gid)
        assert isinstance(suite, SuiteProcess)
        try:
            run = SuiteRun(suite=suite, backend=backend, job=job, runtime=settings.runtime_dir,
                           tests=[Path(t) for t in tests], limits=limits, module=challenge.app.module,
                           attr=challenge.app.attr, uid=settings.sandbox_uid, gid=settings.sandbox_gid,
                           suite_files=texts, sandbox=slot.sandbox if slot else None)
            run.execute()
            return run.verdict()
        finally:
            suite.kill()
            suite.popen.wait()
            suite.release()
    finally:
        if slot is not None:
            slot.sandbox.destroy()  # already done by the run, unless it failed to start
        job.close()


def _bwrap_problem() -> str | None:
    from proctor.grading.sandbox.bwrap import BwrapSandbox

    return BwrapSandbox().available()


def _digest(challenge: Challenge) -> str:
    """What decides a verdict besides the suite: the correct app and the mutants."""
    digest = hashlib.sha256()
    for folder in ("app", "mutants"):
        for name, data in sorted(read_tree(challenge.grader_root / folder).items()):
            digest.update(f"{folder}/{name}".encode() + b"\0" + data + b"\0")
    return digest.hexdigest()


def _versions(settings: Settings) -> dict[str, str]:
    from proctor.grading.engine import platform_versions

    return platform_versions(settings)
