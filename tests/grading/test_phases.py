"""The supervisor's transitions as pure functions: no process, no pipe, no clock but the numbers passed in."""

from __future__ import annotations

from proctor.grading import phases
from proctor.grading.limits import Limits
from proctor.grading.phases import MAX_RESTARTS, GraderPhase, Phase, RunState
from proctor.grading.results import RunStatus

LIMITS = Limits()


def serving() -> RunState:
    state = phases.sandbox_started(RunState(), 0.0, prewarmed=False, wall_seconds=20)
    state = phases.harness_warm(state, 1.0, wall_seconds=20)
    return phases.app_serving(state)


def test_the_candidates_clock_starts_when_the_harness_is_up_not_before() -> None:
    state = phases.sandbox_started(RunState(), 100.0, prewarmed=False, wall_seconds=20)
    assert state.phase == Phase.STARTING and state.deadline is None
    assert phases.overdue(state, 159.0) is None
    assert phases.overdue(state, 161.0) == "start"
    warm = phases.harness_warm(state, 130.0, wall_seconds=20)
    assert warm.phase == Phase.WARM and warm.deadline == 150.0
    assert phases.overdue(warm, 151.0) == "wall"


def test_a_pooled_sandbox_arrives_warm_with_the_clock_running() -> None:
    state = phases.sandbox_started(RunState(), 5.0, prewarmed=True, wall_seconds=20)
    assert state.phase == Phase.WARM and state.deadline == 25.0


def test_the_time_a_restart_takes_is_given_back() -> None:
    state = phases.restarting(serving())  # deadline 21
    state = phases.sandbox_started(state, 10.0, prewarmed=False, wall_seconds=20)
    state = phases.harness_warm(state, 14.0, wall_seconds=20)
    assert state.deadline == 25.0 and state.restarts == 1


def test_the_first_verdict_is_final() -> None:
    ended = phases.finish(serving(), RunStatus.OUTPUT_LIMIT, "too loud")
    assert phases.finish(ended, RunStatus.GRADED) == ended
    assert phases.harness_failed(ended, "memory", "", LIMITS) == ended
    assert phases.sandbox_exited(ended, 1, oom=True, limits=LIMITS, output_tail="") == ended
    assert phases.overdue(ended, 10_000.0) is None
    assert not phases.should_go(phases.tests_collected(ended))
    assert not phases.can_restart(ended)


def test_how_an_exit_is_judged_depends_on_how_far_the_app_got() -> None:
    starting = phases.sandbox_started(RunState(), 0.0, prewarmed=False, wall_seconds=20)
    warm = phases.harness_warm(starting, 0.0, wall_seconds=20)
    assert phases.sandbox_exited(starting, 1, oom=False, limits=LIMITS, output_tail="boom").status \
        == RunStatus.INFRA_ERROR
    assert phases.sandbox_exited(warm, 97, oom=False, limits=LIMITS, output_tail="").status == RunStatus.INFRA_ERROR
    assert phases.sandbox_exited(warm, 1, oom=False, limits=LIMITS, output_tail="").status == RunStatus.NOT_GRADABLE
    assert phases.sandbox_exited(warm, -9, oom=True, limits=LIMITS, output_tail="").status == RunStatus.OOM
    assert "SIGKILL" in phases.sandbox_exited(warm, -9, oom=False, limits=LIMITS, output_tail="").message
    # Once it served, an exit is a restart (not ended), whatever killed it.
    assert not phases.sandbox_exited(serving(), 1, oom=True, limits=LIMITS, output_tail="").ended
    # A replacement that fails to start is restarted again, not judged as the first start.
    restarted = phases.harness_warm(phases.sandbox_started(phases.restarting(serving()), 2.0, prewarmed=False,
                                                           wall_seconds=20), 2.0, wall_seconds=20)
    assert not phases.sandbox_exited(restarted, 1, oom=False, limits=LIMITS, output_tail="").ended


def test_the_harness_is_believed_only_about_the_first_start() -> None:
    warm = phases.harness_warm(phases.sandbox_started(RunState(), 0.0, prewarmed=False, wall_seconds=20), 0.0,
                               wall_seconds=20)
    assert phases.harness_failed(warm, "memory", "x", LIMITS).status == RunStatus.OOM
    assert phases.harness_failed(warm, "infra", "x", LIMITS).status == RunStatus.INFRA_ERROR
    assert phases.harness_failed(warm, "import_error", "x", LIMITS).status == RunStatus.NOT_GRADABLE
    assert phases.harness_failed(serving(), "memory", "x", LIMITS) == serving()
    later = phases.restarting(warm)
    assert phases.harness_failed(later, "import_error", "x", LIMITS) == later


def test_go_waits_for_both_the_tests_and_the_app() -> None:
    warm = phases.harness_warm(phases.sandbox_started(RunState(), 0.0, prewarmed=False, wall_seconds=20), 0.0,
                               wall_seconds=20)
    assert not phases.should_go(phases.tests_collected(warm))
    assert not phases.should_go(serving())
    ready = phases.tests_collected(serving())
    assert phases.should_go(ready)
    assert not phases.should_go(phases.went(ready))


def test_a_held_grader_is_released_once_and_restarts_are_bounded() -> None:
    state = phases.restart_asked(phases.went(phases.tests_collected(serving())))
    assert state.grader == GraderPhase.HELD
    assert phases.released(state).grader == GraderPhase.TESTING
    for _ in range(MAX_RESTARTS):
        assert phases.can_restart(state)
        state = phases.restarting(state)
    assert not phases.can_restart(state)


def test_a_timeout_says_what_was_still_going_on() -> None:
    starting = RunState()
    serving = RunState(phase=Phase.SERVING)
    assert "did not start within 3 s" in phases.timed_out(starting, collected=False, wall_seconds=3).message
    assert "did not load" in phases.timed_out(serving, collected=False, wall_seconds=3).message
    late = phases.timed_out(serving, collected=True, wall_seconds=3)
    assert (late.status, late.message) == (RunStatus.TIMEOUT, "The run took longer than its 3 s limit.")
