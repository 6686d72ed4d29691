"""One run of a candidate's test suite against one app: the supervisor's loop and state machine
(grading/supervisor.py), with the suite in place of the grader.

The app (the pack's correct app or one of its mutants) is served in its own sandbox exactly as in a grading; the
suite runs in another (suite_sandbox.py) and gets the app's socket as a descriptor with "go". Unlike a grader's,
the suite's events are untrusted: they are checked and bounded, a garbled one ends the run, and an early exit is
the suite's failure, not the platform's. Nothing a suite reports can earn it anything by itself: mutants.py
explains why.
"""

from __future__ import annotations

import os
import selectors
from dataclasses import dataclass, field
from typing import Any

from proctor.grading import protocol
from proctor.grading.grader_process import GraderProcess
from proctor.grading.outcome import Outcome
from proctor.grading.results import RunStatus, TestResult, TestStatus
from proctor.grading.suite_sandbox import SuiteProcess
from proctor.grading.supervisor import GRADER_LINE_BYTES, Run

MAX_TESTS = 500
NAME_CHARS = 200
SHOWN_OUTPUT = 64 * 1024
GARBLED = "Your tests' report could not be read (did a test write to the report's descriptor?)."


@dataclass
class SuiteVerdict:
    """Whether the suite passed against one app, and if not, the first reason."""

    passed: bool
    reason: str
    status: RunStatus  # of the run: graded, or why it stopped (timeout, output_limit, oom, infra_error)
    tests: list[TestResult] = field(default_factory=list)
    output: str = ""
    platform_failed: bool = False  # the app side failed: the platform's fault, never a kill


class SuiteRun(Run):
    def __init__(self, *, suite: SuiteProcess, **kwargs: Any) -> None:
        super().__init__(grader=suite, **kwargs)
        self.suite = suite
        self.suite_output = bytearray()
        self.suite_output_total = 0
        self.garbled = ""
        self.ended = False  # the suite's process closed its events pipe

    def execute(self) -> Outcome:
        os.set_blocking(self.suite.output, False)
        self.sel.register(self.suite.output, selectors.EVENT_READ, self._on_suite_output)
        return super().execute()

    # -- what differs from a grader ------------------------------------------------------------------

    def _grader_spec(self, grader: GraderProcess, files: dict[str, str]) -> protocol.GraderSpec:
        return super()._grader_spec(grader, files).model_copy(update={"strict": True})

    def _grader_ended(self) -> None:
        self.ended = True
        if self.suite.oom_killed():
            self._grader_oom()
        self._finish(RunStatus.GRADED)  # judged in verdict(): tests that never reported did not pass

    def _on_grader_events(self, fd: int) -> None:
        for line in self.lines.read(fd, GRADER_LINE_BYTES):
            if line is None:
                self._grader_ended()
                return
            if not line.lstrip().startswith("{"):
                continue  # a test printing to the events descriptor gains nothing; its real events still count
            try:
                event = protocol.read_event(line)
            except protocol.ProtocolError:  # a forged event: the suite's problem, never the platform's
                self.garbled = GARBLED
                self._finish(RunStatus.GRADED)
                return
            self._suite_event(event)
            if self.state.ended:
                return

    def _suite_event(self, event: protocol.GraderEvent) -> None:
        """The suite's event as the supervisor's: bounded, worth a point a test, names as collected."""
        if isinstance(event, protocol.Collected):
            if self.out.collected or self.go_sent:
                return
            if len(event.tests) > MAX_TESTS:
                self.garbled = GARBLED
                self._finish(RunStatus.GRADED)
                return
            if not event.tests:
                self._tell_grader(protocol.Control.STOP)  # pytest then reports why (a collection error) and exits
                return
            event = protocol.Collected(tests=[protocol.TestMeta(name=t.name[:NAME_CHARS]) for t in event.tests])
        elif isinstance(event, protocol.TestReport):
            result = event.result()
            if result.name not in {t.name for t in self.out.collected}:
                return
            event = protocol.TestReport(**{**result.model_dump(), "max_points": 1,
                                           "points": int(result.status == TestStatus.PASSED)})
        elif isinstance(event, protocol.RestartAsked):
            # The app is not restarted for a suite: a test that broke it failed.
            self._tell_grader(protocol.Control.GONE)
            return
        elif isinstance(event, protocol.Started):
            event = protocol.Started(name=event.name[:NAME_CHARS])
        elif not isinstance(event, protocol.Done):
            return  # a response, an oom or an idle is not a suite's to send
        self._grader_event(event)

    def _grader_oom(self) -> None:
        self.out.grader_oom = not self.state.ended
        self._finish(RunStatus.OOM, f"Your tests used more than {self.limits.memory_mib} MiB of memory and were "
                     "stopped.")

    def _timeout(self) -> None:
        seconds = f"{self.limits.wall_seconds:g} s"
        if self.ready and not self.out.collected:
            self._finish(RunStatus.TIMEOUT, f"Your tests did not finish loading within {seconds}. Does test_app.py "
                         "loop or wait at import time?")
        elif self.ready:
            running = f" (during {self.out.running})" if self.out.running else ""
            self._finish(RunStatus.TIMEOUT, f"Your tests did not finish within {seconds}{running}. Does a test "
                         "loop, or catch the per-test time limit?")
        else:
            self._finish(RunStatus.INFRA_ERROR, f"The app under test did not start within {seconds}.")

    def _on_suite_output(self, fd: int) -> None:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return
        if not chunk:
            self.sel.unregister(fd)
            return
        self._keep_output(chunk)
        if self.suite_output_total > self.limits.output_bytes:
            self._finish(RunStatus.OUTPUT_LIMIT, f"Your tests printed more than {self.limits.output_bytes // 1024} "
                         "KiB of output and were stopped.")

    def _keep_output(self, chunk: bytes) -> None:
        self.suite_output_total += len(chunk)
        self.suite_output += chunk[: max(0, SHOWN_OUTPUT - len(self.suite_output))]

    def _stop(self) -> None:
        self.suite.kill()
        try:  # what pytest printed before it ended (a collection error says why there were no tests)
            self.sel.unregister(self.suite.output)
            while len(self.suite_output) < SHOWN_OUTPUT and (chunk := os.read(self.suite.output, 65536)):
                self._keep_output(chunk)
        except (KeyError, ValueError, OSError):
            pass
        super()._stop()
        self.suite.close_output()

    # -- the verdict ---------------------------------------------------------------------------------

    def verdict(self) -> SuiteVerdict:
        out = self.out
        status = out.status or RunStatus.INFRA_ERROR
        output = self.suite_output.decode("utf-8", "replace")
        tests = [out.results[t.name] for t in out.collected if t.name in out.results]
        # The app side failing to start is the platform's (or the pack's) fault, never a kill. Once the app served,
        # whatever befalls it (memory, output, exits) was the suite's requests, and is judged like a failed test.
        platform = status == RunStatus.INFRA_ERROR or (status == RunStatus.NOT_GRADABLE and not self.go_sent)
        if status == RunStatus.OOM and not out.grader_oom:
            out.message = (f"The app ran out of memory ({self.limits.memory_mib} MiB) while your tests ran.")

        def failed(reason: str) -> SuiteVerdict:
            return SuiteVerdict(False, reason, status, tests, output, platform_failed=platform)

        if platform:
            return failed(out.message or "The app under test failed to run.")
        if status != RunStatus.GRADED:
            return failed(out.message)
        if self.garbled:
            return failed(self.garbled)
        if not out.collected:
            return failed("pytest collected no tests from your files (test functions are named test_*); "
                          "its output below may say why.")
        for meta in out.collected:
            result = out.results.get(meta.name)
            if result is None:
                where = "during" if meta.name == out.running else "before"
                return failed(f"Your tests stopped {where} {meta.name} (an exit, or a crash of pytest itself).")
            if result.status == "timeout":  # the plugin's sentence is written for an app that hangs
                return failed(f"{result.name} timeout: it ran past the {self.limits.test_seconds:g} s each test "
                              "has. Does it loop, or wait on something that never comes?")
            if result.status != "passed":
                return failed(f"{result.name} {result.status.value}: {result.message or result.detail}")
        return SuiteVerdict(True, "", status, tests, output)
