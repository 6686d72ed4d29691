"""The supervisor against pipe-backed fakes (tests/grading/fakes.py): every way a run can end, without a sandbox.

Time is the supervisor's injected clock: it stands still, and jumps past the deadline only when a test wants a
timeout, so no test waits on a wall clock.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from proctor.grading import protocol
from proctor.grading.grader_process import GraderIsolation
from proctor.grading.jobs import Job
from proctor.grading.limits import Limits
from proctor.grading.outcome import Outcome
from proctor.grading.phases import MAX_RESTARTS, GraderPhase
from proctor.grading.results import RunStatus
from proctor.grading.suite_run import GARBLED, SuiteRun, SuiteVerdict
from proctor.grading.supervisor import Run
from tests.grading.fakes import FakeBackend, Step, fake_grader, fake_suite

LIMITS = Limits(output_bytes=1024)
UP = [["status", {"state": "warm"}], ["status", {"state": "ready"}]]
TWO = {"event": "collected", "tests": [{"name": "test_a", "max_points": 1}, {"name": "test_b", "max_points": 2}]}


def passed(name: str, points: int = 1) -> dict[str, object]:
    return {"event": "test", "name": name, "status": "passed", "points": points, "max_points": points}


def failed(name: str, points: int = 1) -> dict[str, object]:
    return {"event": "test", "name": name, "status": "failed", "points": 0, "max_points": points}


HONEST: list[Step] = [["emit", TWO], ["wait", "go"], ["emit", passed("test_a"), passed("test_b", 2)], ["hang"]]


@pytest.fixture
def job() -> Iterator[Job]:
    # A short path: the job's Unix socket must fit in 108 bytes, which pytest's (xdist's) tmp_path may not.
    jobs = Path(tempfile.mkdtemp(prefix="sup-", dir="/tmp"))
    job = Job.create(jobs, {"app.py": b""})
    yield job
    job.close()
    shutil.rmtree(jobs, ignore_errors=True)


Supervise = Callable[..., tuple[Outcome, Run]]


@pytest.fixture
def supervise(job: Job, tmp_path: Path) -> Supervise:
    def run(apps: list[list[Step]], grader: list[Step], *, oom: bool = False,
            clock: Callable[[Run], float] | None = None,
            events: list[protocol.ProgressEvent] | None = None) -> tuple[Outcome, Run]:
        supervisor = Run(backend=FakeBackend(apps, oom=oom), job=job, runtime=tmp_path, tests=[Path("test_x.py")],
                         suite_files={"test_x.py": ""}, limits=LIMITS, module="app", attr="app", uid=0, gid=0,
                         grader=fake_grader(job.root, grader), grader_isolation=GraderIsolation("none"),
                         on_event=(events.append if events is not None else None),
                         clock=(lambda: clock(supervisor)) if clock else (lambda: 0.0))
        return supervisor.execute(), supervisor
    return run


def test_an_honest_run_is_graded_from_the_graders_events(supervise: Supervise) -> None:
    events: list[protocol.ProgressEvent] = []
    out, _ = supervise([UP], HONEST, events=events)
    assert out.status == RunStatus.GRADED
    assert {name: r.points for name, r in out.results.items()} == {"test_a": 1, "test_b": 2}
    kinds = [e.type for e in events]
    assert kinds[0] == "sandbox_started" and kinds.count("test") == 2 and kinds.index("ready") < kinds.index("test")


def test_an_app_that_exits_mid_run_is_replaced_and_the_grader_told(supervise: Supervise) -> None:
    crashes = [*UP, ["exit", 1]]
    grader: list[Step] = [["emit", TWO], ["wait", "go"], ["restart_until_gone"], ["report_replies", "test_a"],
                          ["emit", passed("test_b", 2)], ["hang"]]
    out, _ = supervise([crashes, UP], grader)
    assert out.status == RunStatus.GRADED
    assert out.restarts >= 1
    assert out.results["test_a"].message.startswith("restarted")


def test_after_the_restart_limit_the_grader_hears_gone_and_the_run_still_ends(supervise: Supervise) -> None:
    always_crashes = [*UP, ["exit", 1]]
    grader: list[Step] = [["emit", TWO], ["wait", "go"], ["restart_until_gone"], ["report_replies", "test_a"],
                          ["emit", failed("test_b", 2)], ["hang"]]
    out, _ = supervise([always_crashes], grader)
    assert out.status == RunStatus.GRADED, out.message
    assert out.restarts == MAX_RESTARTS
    assert out.results["test_a"].message.endswith("gone")


def test_an_app_that_never_starts_is_not_gradable(supervise: Supervise) -> None:
    out, _ = supervise([[["status", {"state": "warm"}], ["exit", 3]]], HONEST)
    assert out.status == RunStatus.NOT_GRADABLE
    assert "exit code 3" in out.message
    assert out.restarts == 0


def test_a_sandbox_that_dies_before_its_harness_is_the_platforms_fault(supervise: Supervise) -> None:
    out, _ = supervise([[["exit", 1]]], HONEST)
    assert out.status == RunStatus.INFRA_ERROR
    assert "before the harness started" in out.message


def test_the_wall_clock_ends_a_run_whose_tests_hang(supervise: Supervise) -> None:
    grader: list[Step] = [["emit", TWO], ["wait", "go"], ["emit", {"event": "start", "name": "test_a"}], ["hang"]]

    def clock(run: Run) -> float:  # still until the tests run, then far past any deadline
        return 1000.0 if run.out.running else 0.0

    out, _ = supervise([UP], grader, clock=clock)
    assert out.status == RunStatus.TIMEOUT
    assert "longer than its 20 s limit" in out.message
    assert out.running == "test_a"


def test_a_sandbox_slow_to_start_is_an_infra_error(supervise: Supervise) -> None:
    out, _ = supervise([[["hang"]]], HONEST, clock=lambda run: 1000.0 if run.sandbox else 0.0)
    assert out.status == RunStatus.INFRA_ERROR
    assert "to start" in out.message


def test_an_app_killed_for_memory_while_starting_is_oom(supervise: Supervise) -> None:
    out, _ = supervise([[["status", {"state": "warm"}], ["killed"]]], HONEST, oom=True)
    assert out.status == RunStatus.OOM
    assert "MiB of memory" in out.message


def test_the_harness_reporting_memory_is_oom(supervise: Supervise) -> None:
    out, _ = supervise([[["status", {"state": "warm"}],
                         ["status", {"state": "error", "reason": "memory", "detail": "MemoryError"}], ["exit", 3]]],
                       HONEST)
    assert out.status == RunStatus.OOM and out.oom


def test_output_over_the_cap_stops_the_run(supervise: Supervise) -> None:
    grader: list[Step] = [["emit", TWO], ["wait", "go"], ["hang"]]
    out, _ = supervise([[*UP, ["print", 5000], ["hang"]]], grader)
    assert out.status == RunStatus.OUTPUT_LIMIT
    assert len(out.output) == LIMITS.output_bytes < out.output_total


def test_a_grader_that_crashes_is_an_infra_error(supervise: Supervise) -> None:
    out, _ = supervise([UP], [["emit", TWO], ["exit", 1]])
    assert out.status == RunStatus.INFRA_ERROR
    assert "grader stopped" in out.message


@pytest.mark.parametrize("line", [
    '{"event": "test", "name": "test_a", "status": "passed", "points": "all", "max_points": 1}',
    '{"event": "collected"}',
    '["collected"]',
    "not json",
    '{"event": "score", "points": 100}',
])
def test_a_malformed_grader_event_is_an_infra_error_not_a_crash_or_a_score(supervise: Supervise, line: str) -> None:
    out, _ = supervise([UP], [["emit", TWO], ["wait", "go"], ["emit", line], ["hang"]])
    assert out.status == RunStatus.INFRA_ERROR
    assert "not in the protocol" in out.message
    assert not out.results


def test_what_the_app_writes_on_the_status_pipe_is_ignored_unless_it_is_the_protocol(supervise: Supervise) -> None:
    noise = [["status", "[1]"], ["status", '"ready"'], ["status", '{"state": "ready", "score": 100}'],
             ["status", "{"], ["status", '{"state": "error", "reason": 7}']]
    out, _ = supervise([[["status", {"state": "warm"}], *noise, ["status", {"state": "ready"}]]], HONEST)
    assert out.status == RunStatus.GRADED
    assert sum(r.points for r in out.results.values()) == 3


def test_events_after_the_verdict_change_nothing(supervise: Supervise) -> None:
    late: list[Step] = [["emit", TWO], ["wait", "go"],
                        ["emit", failed("test_a"), {"event": "done"}, passed("test_a"), passed("test_b", 2),
                         {"event": "oom"}], ["hang"]]
    events: list[protocol.ProgressEvent] = []
    out, run = supervise([UP], late, events=events)
    assert out.status == RunStatus.GRADED
    assert out.results["test_a"].points == 0 and "test_b" not in out.results
    assert not out.grader_oom
    assert run.state.grader == GraderPhase.TESTING
    assert [e.type for e in events].count("test") == 1


def suite_verdict(job: Job, tmp_path: Path, steps: list[Step]) -> SuiteVerdict:
    run = SuiteRun(suite=fake_suite(job.root, steps), backend=FakeBackend([UP]), job=job, runtime=tmp_path,
                   tests=[Path("test_app.py")], suite_files={"test_app.py": ""}, limits=LIMITS, module="app",
                   attr="app", uid=0, gid=0, grader_isolation=GraderIsolation("none"), clock=lambda: 0.0)
    run.execute()
    return run.verdict()


def test_a_candidates_suite_runs_on_the_same_supervisor_and_its_noise_is_ignored(job: Job, tmp_path: Path) -> None:
    steps: list[Step] = [["emit", TWO], ["wait", "go"], ["emit", "PASSED everything", passed("test_a", 5)],
                         ["emit", passed("test_b")], ["exit", 0]]
    verdict = suite_verdict(job, tmp_path, steps)
    assert verdict.passed and verdict.status == RunStatus.GRADED
    assert [(t.name, t.points, t.max_points) for t in verdict.tests] == [("test_a", 1, 1), ("test_b", 1, 1)]


def test_a_forged_suite_event_fails_the_suite_not_the_platform(job: Job, tmp_path: Path) -> None:
    steps: list[Step] = [["emit", TWO], ["wait", "go"], ["emit", {"event": "test", "name": "test_a", "status": "passed",
                                                                   "points": 1, "max_points": 1, "killed": True}],
                         ["hang"]]
    verdict = suite_verdict(job, tmp_path, steps)
    assert not verdict.passed and not verdict.platform_failed
    assert verdict.status == RunStatus.GRADED and verdict.reason == GARBLED
