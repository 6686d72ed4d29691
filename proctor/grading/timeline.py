"""When each step of one grading was first reached, in milliseconds since the grading began.

The supervisor marks its steps as it observes them, the engine marks its own; the result carries the marks
(`RunResult.timeline_ms`), so every stored grading says where its time went. benchmarks/throughput.py turns them
into the per-phase breakdown in docs/performance.md. Marks are in the order a run usually meets them:

    prepared        the job's directory, files and socket are ready (engine)
    grader_started  a grader is running and has its tests (forked, pooled or started)
    sandbox_started the app's sandbox is running (forked, pooled or started)
    app_warm        the harness is up; the app's import comes next
    collected       the grader has collected the tests
    app_ready       the app serves on its socket
    tests_done      the last verdict is in (or the run ended otherwise)
    stopped         the app and the grader are killed and their resources released
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Timeline:
    def __init__(self, clock: Callable[[], float] = time.monotonic, *, begun: bool = True) -> None:
        self.clock = clock
        self.started: float | None = clock() if begun else None
        self.marks: dict[str, int] = {}

    def begin(self) -> None:
        """Start counting now, unless the timeline began already (the engine's starts before its supervisor)."""
        if self.started is None:
            self.started = self.clock()

    def mark(self, step: str) -> None:
        """The first time only: a restarted app's second start does not move `app_ready`."""
        self.begin()
        if step not in self.marks:
            self.marks[step] = round((self.clock() - (self.started or 0.0)) * 1000)


# The steps between marks, as operators and benchmarks read them: (name, from, to). "ready" is when both the app
# serves and the grader has collected, the moment the tests can start; collecting overlaps the app's steps.
STEPS = (("grader_start", "prepared", "grader_started"), ("app_start", "grader_started", "sandbox_started"),
         ("app_import", "sandbox_started", "app_ready"), ("collect", "grader_started", "collected"),
         ("tests", "ready", "tests_done"), ("teardown", "tests_done", "stopped"))


def steps(marks: dict[str, int]) -> dict[str, int]:
    """Each step's milliseconds, for the steps whose both ends the run reached."""
    moments = dict(marks)
    if "app_ready" in moments and "collected" in moments:
        moments["ready"] = max(moments["app_ready"], moments["collected"])
    return {name: moments[end] - moments[start] for name, start, end in STEPS if start in moments and end in moments}
