"""`proctor grade`'s table: the app's log is labelled as such, and folded away when every test passed."""

from __future__ import annotations

from proctor.cli import build_parser, render_table
from proctor.grading.packs import default_catalog
from proctor.grading.results import RunResult, RunStatus, TestResult, TestStatus
from tests.conftest import SETTINGS

LOG = "INFO started\nTraceback (most recent call last):\nRuntimeError: boom (the /boom route, on purpose)"


def result(*statuses: TestStatus) -> RunResult:
    tests = [TestResult(name=f"test_{i}", status=s, points=int(s == TestStatus.PASSED), max_points=1)
             for i, s in enumerate(statuses)]
    passed = sum(t.points for t in tests)
    return RunResult(challenge="middleware", status=RunStatus.GRADED, score=100.0 * passed / len(tests),
                     points=passed, max_points=len(tests), tests=tests, output=LOG, sandbox="bwrap", duration_ms=5,
                     limits=default_catalog(SETTINGS).get("middleware").limits)


def test_a_perfect_run_folds_the_log_away() -> None:
    table = render_table(result(TestStatus.PASSED, TestStatus.PASSED))
    assert "Traceback" not in table and "app output" not in table
    assert "Your app's log: 3 lines, not shown because every test passed (--log shows it)." in table
    shown = render_table(result(TestStatus.PASSED), show_log=True)
    assert "Your app's log (last lines):" in shown and "  | RuntimeError: boom" in shown
    assert build_parser().parse_args(["grade", "--challenge", "x", "--log", "a.py"]).log is True


def test_a_failing_run_shows_the_log() -> None:
    table = render_table(result(TestStatus.PASSED, TestStatus.FAILED))
    assert "Your app's log (last lines):" in table and "  | Traceback (most recent call last):" in table
