"""Check a challenge pack: the reference scores 100 (three times alike), the starter and wrong cases do not."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from proctor.grading.engine import grade
from proctor.grading.grader_fork import GraderForks
from proctor.grading.mutants import mutant_problems
from proctor.grading.packs import Challenge, PackError
from proctor.grading.quiz import quiz_problems
from proctor.grading.results import RunResult, RunStatus, TestStatus
from proctor.grading.sandbox import Sandbox
from proctor.grading.static_checks import static_problems
from proctor.settings import Settings

REFERENCE_RUNS = 3


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    results: dict[str, RunResult] = field(default_factory=dict)


def validate_challenge(challenge: Challenge, *, backend: Sandbox | None, log: Callable[[str], None] = lambda s: None,
                       settings: Settings) -> list[str]:
    """Every way the pack breaks its promises, as sentences; empty when it is sound."""
    return check_pack(challenge, backend=backend, log=log, settings=settings).problems


def check_pack(challenge: Challenge, *, backend: Sandbox | None, log: Callable[[str], None] = lambda s: None,
               settings: Settings, reference_runs: int = REFERENCE_RUNS,
               examples: bool = True, parallel: int = 2, grader_forks: GraderForks | None = None) -> Report:
    """Grade the reference, starter and wrong cases; the problems found, and every result by case label.

    `reference_runs` below 3 and `examples=False` skip the stability and examples checks: for a second
    backend, whose verdicts are compared case by case with the first one's anyway. A quiz has no tests and
    no examples: its question file and key are checked instead, and `backend` is not used.
    """
    report = Report()
    problems = report.problems
    if not challenge.prompt_path.is_file():
        problems.append("prompt.md is missing")
    if not challenge.starter_files():
        problems.append("starter/ is empty")
    if challenge.kind in ("quiz", "static"):  # graded in the engine's process: the pack's own checks first
        examples = False
        unsound = quiz_problems(challenge) if challenge.kind == "quiz" else static_problems(challenge)
        problems += unsound
        if unsound:
            return report
    elif challenge.kind == "pytest":  # mutants, not hidden tests, grade a candidate's suite (grading/mutants.py)
        examples = False
        problems += mutant_problems(challenge)
    elif not challenge.hidden_tests():
        problems.append("no hidden tests (graders/<slug>/test_*.py)")
        return report
    reference = challenge.reference_files()
    if not reference:
        problems.append("no reference solution")
        return report

    cases: list[tuple[str, dict[str, bytes], str]] = [
        ("reference" if i == 0 else f"reference #{i + 1}", reference, "hidden") for i in range(reference_runs)]
    if examples and challenge.example_tests():
        cases.append(("examples", reference, "examples"))
    elif examples:
        problems.append("no visible examples (challenges/<slug>/examples/test_*.py)")
    cases.append(("starter", challenge.starter_files(), "hidden"))
    try:
        wrong = challenge.wrong_cases()
    except PackError as exc:
        problems.append(str(exc).split(": ", 1)[-1])
        return report
    if not wrong:
        problems.append("no wrong/ cases")
    cases += [(f"wrong/{name}", case.files, "hidden") for name, case in wrong.items()]

    def run(case: tuple[str, dict[str, bytes], str]) -> RunResult:
        label, files, suite = case
        result = grade(challenge, files, backend=backend, suite=suite, settings=settings, grader_forks=grader_forks)
        log(f"{challenge.slug} {label}: {result.status.value} {result.score:g}")
        return result

    # Cases are independent runs, each in its own sandbox; most of their time is spent waiting on the app.
    with ThreadPoolExecutor(max_workers=parallel) as executor:
        report.results = dict(zip([c[0] for c in cases], executor.map(run, cases), strict=True))

    references = [report.results[c[0]] for c in cases if c[0].startswith("reference")]
    for result in references:
        if result.status != RunStatus.GRADED or result.score != 100:
            failing = [f"{t.name} ({t.status.value}: {t.message[:200]})" for t in result.tests if t.status != "passed"]
            problems.append(f"the reference scored {result.score:g} ({result.status.value}): "
                            f"{'; '.join(failing) or result.message[:500]}")
            break
    if len({r.verdict() for r in references}) > 1:
        problems.append("grading the reference again gave a different verdict (a flaky test?)")
    shown = report.results.get("examples")
    if shown is not None and shown.score != 100:
        problems.append(f"the reference fails the visible examples ({shown.score:g})")
    if report.results["starter"].score >= 100:
        problems.append("the starter already scores 100")
    for name, case in wrong.items():
        result = report.results[f"wrong/{name}"]
        if result.score >= 100:
            problems.append(f"wrong/{name} scores 100; the hidden tests miss that mistake")
        elif result.status == RunStatus.INFRA_ERROR:
            problems.append(f"wrong/{name} hit an infrastructure error")
        elif case.expect_failing is not None:
            problems += expectation_problems(f"wrong/{name}", case.expect_failing, result)
    return report


def expectation_problems(label: str, expected: tuple[str, ...], result: RunResult) -> list[str]:
    """How the tests a case failed differ from its `expect_failing`; empty when they are exactly those."""
    unknown = sorted(set(expected) - {t.name for t in result.tests})
    if unknown:
        return [f"{label}: expect_failing names {', '.join(unknown)}, which the run has no test of"]
    # A test worth 0 of 0 points was not run and is left out of the score (a Dockerfile's build and run checks
    # without a Docker engine): it neither counts as failed nor as missed.
    left_out = {t.name for t in result.tests if t.max_points == 0 and t.status != TestStatus.PASSED}
    failed = {t.name for t in result.tests if t.status != TestStatus.PASSED} - left_out
    extra, missed = sorted(failed - set(expected)), sorted(set(expected) - failed - left_out)
    if not extra and not missed:
        return []
    said = ([f"also failed {', '.join(extra)}"] if extra else []) + ([f"passed {', '.join(missed)}"] if missed else [])
    return [f"{label} should fail exactly {', '.join(sorted(expected))}, but it {' and '.join(said)}"]
