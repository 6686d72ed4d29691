"""What the supervisor observed of one run (grading/supervisor.py); the engine turns it into a RunResult."""

from __future__ import annotations

from dataclasses import dataclass, field

from proctor.grading import protocol
from proctor.grading.results import CustomResponse, RunStatus, TestResult


@dataclass
class Outcome:
    """What the supervisor observed; the engine turns it into a RunResult."""

    status: RunStatus | None = None
    message: str = ""
    collected: list[protocol.TestMeta] = field(default_factory=list)
    results: dict[str, TestResult] = field(default_factory=dict)
    running: str | None = None
    output: bytearray = field(default_factory=bytearray)
    output_total: int = 0
    restarts: int = 0
    oom: bool = False
    app_peak: int = 0
    grader_peak: int = 0
    grader_log: str = ""
    run_id: str = ""
    response: CustomResponse | None = None  # a custom request's answer (custom_request.py)
    grader_oom: bool = False  # the hidden tests, not the app, ran out of memory
    timeline: dict[str, int] = field(default_factory=dict)  # grading/timeline.py
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # "app", "grader": from their cgroups

    def add_cpu(self, who: str, seconds: float | None) -> None:
        if seconds is not None:  # a restarted app's sandboxes add up
            self.cpu_seconds[who] = self.cpu_seconds.get(who, 0.0) + seconds
