"""One grading run: the sandboxed app and the trusted grader process, supervised until a verdict.

The loop watches four things at once: the app's output (capped), the harness's status, the grader's
events, and the clock. The score comes only from the grader's events; what the app prints or reports can
end a run early (not gradable, over a limit) but can never add a point.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proctor.grading.grader_process import (GraderIsolation, GraderProcess, grader_files, log_tail, reap_peak_rss,
                                            resolve_isolation, start_grader)
from proctor.grading.jobs import Job
from proctor.grading.limits import Limits
from proctor.grading.results import RunStatus, TestResult, TestStatus
from proctor.grading.sandbox.base import Sandbox, SandboxProcess, SandboxSpec

MAX_RESTARTS = 3
# Starting a sandbox is the platform's business: the candidate's wall clock runs from the moment the harness
# is up (and stops while a crashed app is being restarted). A sandbox slower than this is an infra error.
SANDBOX_START_SECONDS = 60
TICK = 0.05
GRADER_LOG_BYTES = 16 * 1024
# A line of the trusted grader's events may carry a custom request's answer (64 KiB shown, escaped as JSON);
# the sandbox's status lines keep the small cap.
GRADER_LINE_BYTES = 1024 * 1024
STATUS_LINE_BYTES = 65536

EventSink = Callable[[dict[str, Any]], None]


@dataclass
class Outcome:
    """What the supervisor observed; the engine turns it into a RunResult."""

    status: RunStatus | None = None
    message: str = ""
    collected: list[dict[str, Any]] = field(default_factory=list)
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
    response: dict[str, Any] | None = None  # a custom request's answer (custom_request.py)
    grader_oom: bool = False  # the hidden tests, not the app, ran out of memory


class Run:
    def __init__(self, *, backend: Sandbox, job: Job, runtime: Path, tests: list[Path], limits: Limits,
                 module: str, attr: str, uid: int, gid: int, on_event: EventSink | None = None,
                 sandbox: SandboxProcess | None = None, grader: GraderProcess | None = None,
                 grader_isolation: GraderIsolation | None = None, suite_files: dict[str, str] | None = None) -> None:
        self.backend = backend
        self.suite_files = suite_files  # the tests as text, in place of the files beside tests[0]
        self.job = job
        self.tests = tests
        self.limits = limits
        self.module = module
        self.attr = attr
        self.spec = SandboxSpec(runtime=runtime, src_dir=job.src, work_dir=job.root,
                                listen_fd=job.listener.fileno(), limits=limits, uid=uid, gid=gid,
                                run_id=job.run_id, socket_path=job.socket_path)
        self.on_event = on_event or (lambda event: None)
        self.out = Outcome(run_id=job.run_id)
        self.sel = selectors.DefaultSelector()
        self.prestarted_sandbox = sandbox
        self.prestarted_grader = grader
        self.prewarmed = sandbox is not None  # the pool consumed its "warm" line
        self.sandbox: SandboxProcess | None = None
        self.grader_process: GraderProcess | None = None
        self.grader_control: socket.socket | None = None
        self.grader_isolation = grader_isolation or resolve_isolation("auto", uid=uid, gid=gid)
        self.grader_log = job.root / "grader.log"
        self.ready = False
        self.warm = False  # the harness is up; before this, a failure is the sandbox's, not the app's
        self.go_sent = False
        self.grader_waits_restart = False
        self.buffers: dict[int, bytes] = {}
        self.events_r = -1
        self.deadline: float | None = None
        self.sandbox_started = time.monotonic()

    # -- the loop ------------------------------------------------------------------------------------

    def execute(self) -> Outcome:
        try:
            self._start_grader()
            self._start_sandbox()
            while self.out.status is None:
                now = time.monotonic()
                if self.deadline is not None and now > self.deadline:
                    self._timeout()
                    break
                if self.deadline is None and now > self.sandbox_started + SANDBOX_START_SECONDS:
                    self._finish(RunStatus.INFRA_ERROR, f"The sandbox took over {SANDBOX_START_SECONDS} s to start.")
                    break
                for key, _ in self.sel.select(TICK):
                    key.data(key.fd)
                    if self.out.status is not None:
                        break
                if self.out.status is None:
                    self._check_sandbox()
        finally:
            self._stop()
        return self.out

    def _finish(self, status: RunStatus, message: str = "") -> None:
        if self.out.status is None:
            self.out.status = status
            self.out.message = message

    def _timeout(self) -> None:
        if self.ready and not self.out.collected:
            self._finish(RunStatus.TIMEOUT, f"The hidden tests did not load within the run's "
                         f"{self.limits.wall_seconds:g} s limit, so the grader was stopped. Does a test module "
                         "loop or wait forever at import time?")
        elif self.ready:
            self._finish(RunStatus.TIMEOUT, f"The run took longer than its {self.limits.wall_seconds:g} s limit.")
        else:
            self._finish(RunStatus.TIMEOUT, f"The app did not start within {self.limits.wall_seconds:g} s. "
                         "Does something at import time loop or wait forever?")

    # -- grader --------------------------------------------------------------------------------------

    def _start_grader(self) -> None:
        grader = self.prestarted_grader or start_grader(self.job.root, isolation=self.grader_isolation)
        self.grader_process = grader
        self.grader_control = grader.control
        self.grader_log = grader.log_path
        # The tests travel as text: an isolated grader sees no path of the platform's (grader_process.py).
        files = self.suite_files if self.suite_files is not None else grader_files(self.tests[0].parent)
        spec = {"files": files, "tests": [t.name for t in self.tests],
                "events_fd": grader.events_fd, "test_timeout": self.limits.test_seconds,
                "message_bytes": self.limits.message_bytes}
        self._tell_grader(json.dumps(spec))
        self.events_r = grader.events_r
        os.set_blocking(grader.events_r, False)
        self.sel.register(grader.events_r, selectors.EVENT_READ, self._on_grader_events)

    def _tell_grader(self, line: str, *, with_socket: bool = False) -> None:
        """A line on the grader's control socket; with_socket hands it the app's socket as a descriptor."""
        assert self.grader_control is not None
        fd = os.open(self.job.socket_path, os.O_PATH) if with_socket else None
        try:
            if fd is None:
                self.grader_control.sendall(line.encode() + b"\n")
            else:
                socket.send_fds(self.grader_control, [line.encode() + b"\n"], [fd])
        except OSError:
            pass  # it died; its closed events pipe says so
        finally:
            if fd is not None:
                os.close(fd)

    def _on_grader_events(self, fd: int) -> None:
        for line in self._lines(fd):
            if line is None:
                if self.grader_process and self.grader_process.oom_killed():
                    self._grader_oom()
                self._finish(RunStatus.INFRA_ERROR, "The grader stopped before it finished.")
                return
            try:
                event = json.loads(line)
            except ValueError:
                continue
            self._grader_event(event)

    def _grader_event(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "collected":
            self.out.collected = event["tests"]
            self.on_event({"type": "collected", "tests": event["tests"]})
            self._maybe_go()
        elif kind == "start":
            self.out.running = event["name"]
            self.on_event({"type": "test_started", "name": event["name"]})
        elif kind == "test":
            # Its own peak, since an isolated grader is killed inside bwrap and wait4 would see only bwrap's.
            self.out.grader_peak = max(self.out.grader_peak, int(event.pop("maxrss", 0) or 0))
            result = TestResult.model_validate(event)
            self.out.results[result.name] = result
            self.out.running = None
            self.on_event({"type": "test", "result": result.model_dump()})
            if len(self.out.results) == len(self.out.collected):
                self._finish(RunStatus.GRADED)  # every verdict is in; pytest's own wrap-up is not worth waiting for
        elif kind == "response":
            self.out.response = {k: v for k, v in event.items() if k != "event"}
        elif kind == "restart":
            self._restart(asked=True)
        elif kind == "done":
            self._finish(RunStatus.GRADED)
        elif kind == "oom":  # a MemoryError under the grader's rlimits (grader.py)
            self._grader_oom()

    def _grader_oom(self) -> None:
        self.out.grader_oom = self.out.status is None
        self._finish(RunStatus.OOM, f"The hidden tests used more than the grader's "
                     f"{self.grader_isolation.limits.memory_mib} MiB of memory and were stopped.")

    def _maybe_go(self) -> None:
        if self.ready and self.out.collected and not self.go_sent:
            self.go_sent = True
            self._tell_grader("go", with_socket=True)

    # -- sandbox -------------------------------------------------------------------------------------

    def _start_sandbox(self) -> None:
        self.ready = False
        self.warm = False
        self.sandbox_started = time.monotonic()
        if self.prewarmed:
            self.prewarmed = False
            self.warm = True
            self.deadline = self.sandbox_started + self.limits.wall_seconds
        self.sandbox, self.prestarted_sandbox = self.prestarted_sandbox or self.backend.start(self.spec), None
        for fd, handler in ((self.sandbox.output, self._on_output), (self.sandbox.status, self._on_status)):
            os.set_blocking(fd, False)
            self.sel.register(fd, selectors.EVENT_READ, handler)
        self.sandbox.send_go(self.module, self.attr)
        self.on_event({"type": "sandbox_started", "sandbox": self.backend.name, "restart": self.out.restarts})

    def _on_output(self, fd: int) -> None:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return
        if not chunk:
            self.sel.unregister(fd)
            return
        self.out.output_total += len(chunk)
        room = self.limits.output_bytes - len(self.out.output)
        if room > 0:
            self.out.output += chunk[:room]
        if self.out.output_total > self.limits.output_bytes:
            self._finish(RunStatus.OUTPUT_LIMIT, f"Your app printed more than {self.limits.output_bytes // 1024} KiB "
                         "of output and was stopped. Print less, or nothing, while handling requests.")

    def _on_status(self, fd: int) -> None:
        for line in self._lines(fd):
            if line is None:
                return
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if message.get("state") == "warm" and not self.warm:
                self.warm = True
                now = time.monotonic()
                if self.deadline is None:
                    self.deadline = now + self.limits.wall_seconds
                elif self.out.restarts:
                    self.deadline += now - self.sandbox_started
            elif message.get("state") == "ready" and not self.ready:
                assert self.sandbox
                if not self.sandbox.serving():
                    continue  # an early claim (the app can write to the status channel); wait for the real one
                problem = self.sandbox.seal()
                if problem:
                    self._finish(RunStatus.NOT_GRADABLE, problem)
                    return
                self.ready = True
                self.on_event({"type": "ready"})
                if self.grader_waits_restart:
                    self.grader_waits_restart = False
                    self._tell_grader("restarted", with_socket=True)
                self._maybe_go()
            elif message.get("state") == "error" and not self.ready and self.out.restarts == 0:
                reason = str(message.get("reason", ""))
                detail = str(message.get("detail", ""))
                if reason == "memory":
                    self.out.oom = True
                    self._finish(RunStatus.OOM, _oom_message(self.limits) + "\n\n" + detail)
                elif reason == "infra":
                    self._finish(RunStatus.INFRA_ERROR, detail)
                else:
                    self._finish(RunStatus.NOT_GRADABLE, detail)

    def _check_sandbox(self) -> None:
        assert self.sandbox
        code = self.sandbox.poll()
        if code is None:
            return
        self._drain_status()
        if self.out.status is not None:
            return
        if self.sandbox.oom_killed():
            self.out.oom = True
            if not self.ready:
                self._finish(RunStatus.OOM, _oom_message(self.limits))
                return
        if code == 97:
            self._finish(RunStatus.INFRA_ERROR, "The sandbox could not join its control group.")
        elif not self.warm and not self.ready:
            tail = self.out.output[-2000:].decode("utf-8", "replace")
            self._finish(RunStatus.INFRA_ERROR, f"The sandbox failed before the harness started (exit {code}): {tail}")
        elif not self.ready and self.out.restarts == 0:
            self._finish(RunStatus.NOT_GRADABLE, _exit_message(code))
        else:
            self._restart(asked=False)

    def _drain_status(self) -> None:
        assert self.sandbox
        try:
            self.sel.get_key(self.sandbox.status)
        except KeyError:
            return
        self._on_status(self.sandbox.status)

    def _restart(self, *, asked: bool) -> None:
        """Replace an app that exited or stopped answering, so one bad handler costs only its own tests."""
        if asked:
            self.grader_waits_restart = True
        if self.out.restarts >= MAX_RESTARTS:
            if self.grader_waits_restart:
                self.grader_waits_restart = False
                self._tell_grader("gone")
            if self.sandbox and self.sandbox.poll() is not None:
                self._retire_sandbox()
                # Nobody will accept on the socket any more: make connections fail at once, not time out.
                self.job.listener.close()
            return
        self.out.restarts += 1
        self._retire_sandbox()
        self._start_sandbox()

    def _retire_sandbox(self) -> None:
        sandbox = self.sandbox
        if sandbox is None:
            return
        for fd in (sandbox.output, sandbox.status):
            try:
                self.sel.unregister(fd)
            except (KeyError, ValueError):
                pass
        self.out.oom = self.out.oom or sandbox.oom_killed()
        self.out.app_peak = max(self.out.app_peak, sandbox.peak_memory() or 0)
        sandbox.destroy()
        self.sandbox = None

    # -- teardown ------------------------------------------------------------------------------------

    def _stop(self) -> None:
        if self.sandbox is not None:
            self.sandbox.kill()
            if self.out.status is None or self.out.status == RunStatus.GRADED:
                self._read_rest_of_output()
            self._retire_sandbox()
        if self.grader_process is not None:
            self.grader_process.kill()
            self.out.grader_peak = max(self.out.grader_peak, reap_peak_rss(self.grader_process.popen))
            self.grader_process.close()
            self.grader_process.release()
            self.out.grader_log = log_tail(self.grader_log, GRADER_LOG_BYTES)
        self.sel.close()
        if self.events_r >= 0:
            os.close(self.events_r)
        if self.out.oom and self.out.status in (RunStatus.GRADED, RunStatus.NOT_GRADABLE, None):
            self.out.status = RunStatus.OOM
            self.out.message = _oom_message(self.limits)

    def _read_rest_of_output(self) -> None:
        assert self.sandbox
        try:
            self.sel.get_key(self.sandbox.output)
        except KeyError:
            return
        while len(self.out.output) < self.limits.output_bytes:
            try:
                chunk = os.read(self.sandbox.output, 65536)
            except (BlockingIOError, OSError):
                return
            if not chunk:
                return
            self.out.output_total += len(chunk)
            self.out.output += chunk[: self.limits.output_bytes - len(self.out.output)]

    def _lines(self, fd: int) -> list[str | None]:
        """Complete lines read from fd; None at end of file."""
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return []
        if not chunk:
            try:
                self.sel.unregister(fd)
            except KeyError:
                pass
            return [None]
        data = self.buffers.pop(fd, b"") + chunk
        *lines, rest = data.split(b"\n")
        if rest:
            self.buffers[fd] = rest[-(GRADER_LINE_BYTES if fd == self.events_r else STATUS_LINE_BYTES):]
        return [line.decode("utf-8", "replace") for line in lines]


def _oom_message(limits: Limits) -> str:
    return f"Your app used more than its {limits.memory_mib} MiB of memory and was stopped."


def _exit_message(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"Your app was killed by {name} while it was starting."
    return (f"Your app exited (exit code {code}) while it was starting, before it could serve a request. "
            "Does your code call exit() or os._exit() at import time?")
