"""Check a challenge pack: the reference scores 100 (three times alike), the starter and wrong cases do not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from proctor.grading.engine import grade
from proctor.grading.packs import Challenge
from proctor.grading.results import RunResult, RunStatus
from proctor.grading.sandbox import Sandbox
from proctor.settings import Settings

REFERENCE_RUNS = 3


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    results: dict[str, RunResult] = field(default_factory=dict)


def validate_challenge(challenge: Challenge, *, backend: Sandbox, log: Callable[[str], None] = lambda s: None,
                       settings: Settings | None = None) -> list[str]:
    """Every way the pack breaks its promises, as sentences; empty when it is sound."""
    return check_pack(challenge, backend=backend, log=log, settings=settings).problems


def check_pack(challenge: Challenge, *, backend: Sandbox, log: Callable[[str], None] = lambda s: None,
               settings: Settings | None = None) -> Report:
    """Grade the reference, starter and wrong cases; the problems found, and every result by case label."""
    report = Report()
    problems = report.problems
    if not challenge.prompt_path.is_file():
        problems.append("prompt.md is missing")
    if not challenge.starter_files():
        problems.append("starter/ is empty")
    if not challenge.hidden_tests():
        problems.append("no hidden tests (graders/<slug>/test_*.py)")
        return report
    reference = challenge.reference_files()
    if not reference:
        problems.append("no reference solution")
        return report

    def run(label: str, files: dict[str, bytes], suite: str = "hidden") -> RunResult:
        result = grade(challenge, files, backend=backend, suite=suite, settings=settings)
        report.results[label] = result
        log(f"{challenge.slug} {label}: {result.status.value} {result.score:g}")
        return result

    verdicts = []
    for i in range(REFERENCE_RUNS):
        result = run("reference" if i == 0 else f"reference #{i + 1}", reference)
        verdicts.append(result.verdict())
        if result.status != RunStatus.GRADED or result.score != 100:
            failing = [f"{t.name} ({t.status.value}: {t.message[:200]})" for t in result.tests if t.status != "passed"]
            problems.append(f"the reference scored {result.score:g} ({result.status.value}): "
                            f"{'; '.join(failing) or result.message[:500]}")
            break
    if len(set(verdicts)) > 1:
        problems.append("grading the reference again gave a different verdict (a flaky test?)")
    if challenge.example_tests():
        examples = run("examples", reference, suite="examples")
        if examples.score != 100:
            problems.append(f"the reference fails the visible examples ({examples.score:g})")
    else:
        problems.append("no visible examples (challenges/<slug>/examples/test_*.py)")

    starter = run("starter", challenge.starter_files())
    if starter.score >= 100:
        problems.append("the starter already scores 100")
    wrong = challenge.wrong_cases()
    if not wrong:
        problems.append("no wrong/ cases")
    for name, files in wrong.items():
        result = run(f"wrong/{name}", files)
        if result.score >= 100:
            problems.append(f"wrong/{name} scores 100; the hidden tests miss that mistake")
        elif result.status == RunStatus.INFRA_ERROR:
            problems.append(f"wrong/{name} hit an infrastructure error")
    return report
