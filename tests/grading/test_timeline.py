"""A run's marks, and the steps between them that /metrics and the benchmarks report."""

from __future__ import annotations

from proctor.grading.timeline import Timeline, steps


class Clock:
    def __init__(self) -> None:
        self.now = 10.0

    def __call__(self) -> float:
        return self.now


def test_a_mark_is_kept_the_first_time_only_counted_from_the_beginning() -> None:
    clock = Clock()
    timeline = Timeline(clock, begun=False)
    clock.now = 12.0
    timeline.begin()
    clock.now = 12.05
    timeline.mark("app_ready")
    clock.now = 13.0
    timeline.mark("app_ready")  # a restarted app serves again: the first time stays
    timeline.begin()  # begun already: no new origin
    timeline.mark("stopped")
    assert timeline.marks == {"app_ready": 50, "stopped": 1000}


def test_steps_are_measured_between_their_marks_and_tests_wait_for_both_app_and_grader() -> None:
    marks = {"prepared": 1, "grader_started": 15, "sandbox_started": 24, "app_warm": 26, "app_ready": 34,
             "collected": 44, "tests_done": 64, "stopped": 72}
    assert steps(marks) == {"grader_start": 14, "app_start": 9, "app_import": 10, "collect": 29, "tests": 20,
                            "teardown": 8}


def test_a_run_that_never_served_has_no_test_step() -> None:
    assert steps({"prepared": 0, "grader_started": 5, "sandbox_started": 9, "tests_done": 40, "stopped": 45}) == {
        "grader_start": 5, "app_start": 4, "teardown": 5}
