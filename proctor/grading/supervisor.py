"""One grading run: the sandboxed app and the trusted grader process, supervised until a verdict.

The loop watches four things at once: the app's output (capped), the harness's status, the grader's
events, and the clock. The score comes only from the grader's events; what the app prints or reports can
end a run early (not gradable, over a limit) but can never add a point. Every message is read through
grading/protocol.py; where the run is and what follows is decided by the pure functions of phases.py, so the
loop only observes and acts. The clock is injected (`clock`), so tests drive time.
"""

from __future__ import annotations

import os
import selectors
import socket
import time
from collections.abc import Callable
from pathlib import Path

from proctor.grading import phases, protocol
from proctor.grading.grader_process import (
    GraderIsolation,
    GraderProcess,
    grader_files,
    log_tail,
    reap_peak_rss,
    resolve_isolation,
    start_grader,
)
from proctor.grading.jobs import Job
from proctor.grading.limits import Limits
from proctor.grading.lines import LineReader
from proctor.grading.outcome import Outcome
from proctor.grading.phases import Phase, RunState
from proctor.grading.results import RunStatus
from proctor.grading.sandbox.base import Sandbox, SandboxProcess, SandboxSpec
from proctor.grading.timeline import Timeline

TICK = 0.05
GRADER_LOG_BYTES = 16 * 1024
# A line of the trusted grader's events may carry a custom request's answer (64 KiB shown, escaped as JSON);
# the sandbox's status lines keep the small cap.
GRADER_LINE_BYTES = 1024 * 1024
STATUS_LINE_BYTES = 65536

EventSink = Callable[[protocol.ProgressEvent], None]
Clock = Callable[[], float]


class Run:
    def __init__(self, *, backend: Sandbox, job: Job, runtime: Path, tests: list[Path], limits: Limits,
                 module: str, attr: str, uid: int, gid: int, on_event: EventSink | None = None,
                 sandbox: SandboxProcess | None = None, grader: GraderProcess | None = None,
                 grader_isolation: GraderIsolation | None = None, suite_files: dict[str, str] | None = None,
                 clock: Clock = time.monotonic,
                 start_grader: Callable[[Path, dict[str, str]], GraderProcess] | None = None,
                 timeline: Timeline | None = None) -> None:
        self.backend = backend
        self.start_grader = start_grader  # a fork server's (grader_fork.py), for the catalog's own packs
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
        self.clock = clock
        self.state = RunState()
        self.timeline = timeline or Timeline(clock, begun=False)
        self.out = Outcome(run_id=job.run_id, timeline=self.timeline.marks)
        self.sel = selectors.DefaultSelector()
        self.lines = LineReader(self.sel)
        self.prestarted_sandbox = sandbox
        self.prestarted_grader = grader
        self.sandbox: SandboxProcess | None = None
        self.grader_process: GraderProcess | None = None
        self.grader_control: socket.socket | None = None
        self.grader_isolation = grader_isolation or resolve_isolation("auto", uid=uid, gid=gid)
        self.grader_log = job.root / "grader.log"
        self.events_r = -1

    # -- the loop ------------------------------------------------------------------------------------

    def execute(self) -> Outcome:
        self.timeline.begin()
        try:
            self._start_grader()
            self.timeline.mark("grader_started")
            self._start_sandbox()
            self.timeline.mark("sandbox_started")
            while not self.state.ended:
                late = phases.overdue(self.state, self.clock())
                if late == "wall":
                    self._timeout()
                elif late == "start":
                    self._finish(RunStatus.INFRA_ERROR,
                                 f"The sandbox took over {phases.SANDBOX_START_SECONDS} s to start.")
                if self.state.ended:
                    break
                for key, _ in self.sel.select(TICK):
                    key.data(key.fd)
                    if self.state.ended:
                        break
                if not self.state.ended:
                    self._check_sandbox()
        finally:
            self.timeline.mark("tests_done")
            self._stop()
            self.timeline.mark("stopped")
        return self.out

    @property
    def ready(self) -> bool:
        return self.state.phase == Phase.SERVING

    @property
    def go_sent(self) -> bool:
        return self.state.grader in (phases.GraderPhase.TESTING, phases.GraderPhase.HELD)

    def _apply(self, state: RunState) -> None:
        self.state = state
        self.out.status, self.out.message, self.out.restarts = state.status, state.message, state.restarts

    def _finish(self, status: RunStatus, message: str = "") -> None:
        self._apply(phases.finish(self.state, status, message))

    def _timeout(self) -> None:  # a candidate's own suite says it in its words (suite_run.py)
        self._apply(phases.timed_out(self.state, collected=bool(self.out.collected),
                                     wall_seconds=self.limits.wall_seconds))

    # -- grader --------------------------------------------------------------------------------------

    def _grader_spec(self, grader: GraderProcess, files: dict[str, str]) -> protocol.GraderSpec:
        return protocol.GraderSpec(files=files, tests=[t.name for t in self.tests], events_fd=grader.events_fd,
                                   test_timeout=self.limits.test_seconds, message_bytes=self.limits.message_bytes)

    def _start_grader(self) -> None:
        # The tests travel as text: an isolated grader sees no path of the platform's (grader_process.py).
        files = self.suite_files if self.suite_files is not None else grader_files(self.tests[0].parent)
        grader = (self.prestarted_grader or (self.start_grader(self.job.root, files) if self.start_grader else None)
                  or start_grader(self.job.root, isolation=self.grader_isolation))
        self.grader_process = grader
        self.grader_control = grader.control
        self.grader_log = grader.log_path
        self._tell_grader(self._grader_spec(grader, files).to_line())
        self.events_r = grader.events_r
        os.set_blocking(grader.events_r, False)
        self.sel.register(grader.events_r, selectors.EVENT_READ, self._on_grader_events)

    def _tell_grader(self, line: bytes | protocol.Control, *, with_socket: bool = False) -> None:
        """A line on the grader's control socket; with_socket hands it the app's socket as a descriptor."""
        assert self.grader_control is not None
        data = line if isinstance(line, bytes) else line.value.encode() + b"\n"
        fd = os.open(self.job.socket_path, os.O_PATH) if with_socket else None
        try:
            if fd is None:
                self.grader_control.sendall(data)
            else:
                socket.send_fds(self.grader_control, [data], [fd])
        except OSError:
            pass  # it died; its closed events pipe says so
        finally:
            if fd is not None:
                os.close(fd)

    def _on_grader_events(self, fd: int) -> None:
        for line in self.lines.read(fd, GRADER_LINE_BYTES):
            if line is None:
                self._grader_ended()
                return
            try:
                event = protocol.read_event(line)
            except protocol.ProtocolError as exc:
                self._finish(RunStatus.INFRA_ERROR, f"The grader sent an event that is not in the protocol ({exc}).")
                return
            self._grader_event(event)
            if self.state.ended:
                return

    def _grader_ended(self) -> None:
        if self.grader_process and self.grader_process.oom_killed():
            self._grader_oom()
        self._finish(RunStatus.INFRA_ERROR, "The grader stopped before it finished.")

    def _grader_event(self, event: protocol.GraderEvent) -> None:
        if self.state.ended:
            return  # the verdict is in: nothing that comes later counts
        if isinstance(event, protocol.Collected):
            if self.state.grader != phases.GraderPhase.LOADING:
                return
            self.out.collected = list(event.tests)
            self.timeline.mark("collected")
            self.on_event(protocol.TestsCollected(tests=event.tests))
            if event.tests:
                self._apply(phases.tests_collected(self.state))
            self._maybe_go()
        elif isinstance(event, protocol.Started):
            self.out.running = event.name
            self.on_event(protocol.TestStarted(name=event.name))
        elif isinstance(event, protocol.TestReport):
            self.out.grader_peak = max(self.out.grader_peak, event.maxrss or 0)
            result = event.result()
            self.out.results[result.name] = result
            self.out.running = None
            self.on_event(protocol.TestFinished(result=result))
            if len(self.out.results) == len(self.out.collected):
                self._finish(RunStatus.GRADED)  # every verdict is in; pytest's own wrap-up is not worth waiting for
        elif isinstance(event, protocol.Response):
            self.out.response = event.answer()
        elif isinstance(event, protocol.RestartAsked):
            self._apply(phases.restart_asked(self.state))
            self._restart()
        elif isinstance(event, protocol.Done):
            self._finish(RunStatus.GRADED)
        elif isinstance(event, protocol.OutOfMemory):  # a MemoryError under the grader's rlimits (grader.py)
            self._grader_oom()

    def _grader_oom(self) -> None:
        self.out.grader_oom = not self.state.ended
        self._finish(RunStatus.OOM, f"The hidden tests used more than the grader's "
                     f"{self.grader_isolation.limits.memory_mib} MiB of memory and were stopped.")

    def _maybe_go(self) -> None:
        if phases.should_go(self.state):
            self._apply(phases.went(self.state))
            self._tell_grader(protocol.Control.GO, with_socket=True)

    # -- sandbox -------------------------------------------------------------------------------------

    def _start_sandbox(self) -> None:
        prewarmed = self.prestarted_sandbox is not None  # the pool consumed its "warm" line
        self._apply(phases.sandbox_started(self.state, self.clock(), prewarmed=prewarmed,
                                           wall_seconds=self.limits.wall_seconds))
        self.sandbox, self.prestarted_sandbox = self.prestarted_sandbox or self.backend.start(self.spec), None
        for fd, handler in ((self.sandbox.output, self._on_output), (self.sandbox.status, self._on_status)):
            os.set_blocking(fd, False)
            self.sel.register(fd, selectors.EVENT_READ, handler)
        self.sandbox.send_go(self.module, self.attr)
        self.on_event(protocol.SandboxStarted(sandbox=self.backend.name, restart=self.state.restarts))

    def _on_output(self, fd: int) -> None:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return
        if not chunk:
            self.sel.unregister(fd)
            return
        self._keep_app_output(chunk)
        if self.out.output_total > self.limits.output_bytes:
            self._finish(RunStatus.OUTPUT_LIMIT, f"Your app printed more than {self.limits.output_bytes // 1024} KiB "
                         "of output and was stopped. Print less, or nothing, while handling requests.")

    def _keep_app_output(self, chunk: bytes) -> None:
        self.out.output_total += len(chunk)
        self.out.output += chunk[: max(0, self.limits.output_bytes - len(self.out.output))]

    def _on_status(self, fd: int) -> None:
        for line in self.lines.read(fd, STATUS_LINE_BYTES):
            if line is None or self.state.ended:
                return
            message = protocol.read_status(line)
            if isinstance(message, protocol.Warm):
                self.timeline.mark("app_warm")
                self._apply(phases.harness_warm(self.state, self.clock(), wall_seconds=self.limits.wall_seconds))
            elif isinstance(message, protocol.Ready) and not self.ready:
                self._on_ready()
            elif isinstance(message, protocol.HarnessFailed):
                if message.reason == "memory" and self.state.phase != Phase.SERVING and not self.state.restarts:
                    self.out.oom = True
                self._apply(phases.harness_failed(self.state, message.reason, message.detail, self.limits))
            # anything else: not the harness's (the app can write to this pipe too), so nothing to act on

    def _on_ready(self) -> None:
        assert self.sandbox
        if not self.sandbox.serving():
            return  # an early claim (the app can write to the status channel); wait for the real one
        problem = self.sandbox.seal()
        if problem:
            self._finish(RunStatus.NOT_GRADABLE, problem)
            return
        self._apply(phases.app_serving(self.state))
        self.timeline.mark("app_ready")
        self.on_event(protocol.AppReady())
        if self.state.grader == phases.GraderPhase.HELD:
            self._apply(phases.released(self.state))
            self._tell_grader(protocol.Control.RESTARTED, with_socket=True)
        self._maybe_go()

    def _check_sandbox(self) -> None:
        if self.sandbox is None:
            return  # given up on after the last restart; the grader carries on against no app
        code = self.sandbox.poll()
        if code is None:
            return
        self._drain_status()
        if self.state.ended:
            return
        oom = self.sandbox.oom_killed()
        self.out.oom = self.out.oom or oom
        tail = self.out.output[-2000:].decode("utf-8", "replace")
        self._apply(phases.sandbox_exited(self.state, code, oom=oom, limits=self.limits, output_tail=tail))
        if not self.state.ended:
            self._restart()

    def _drain_status(self) -> None:
        assert self.sandbox
        try:
            self.sel.get_key(self.sandbox.status)
        except KeyError:
            return
        self._on_status(self.sandbox.status)

    def _restart(self) -> None:
        """Replace an app that exited or stopped answering, so one bad handler costs only its own tests."""
        if not phases.can_restart(self.state):
            if self.state.grader == phases.GraderPhase.HELD:
                self._apply(phases.released(self.state))
                self._tell_grader(protocol.Control.GONE)
            if self.sandbox and self.sandbox.poll() is not None:
                self._retire_sandbox()
                # Nobody will accept on the socket any more: make connections fail at once, not time out.
                self.job.listener.close()
            return
        self._apply(phases.restarting(self.state))
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
        self.out.add_cpu("app", sandbox.cpu_seconds())
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
            self.out.add_cpu("grader", self.grader_process.cpu_seconds())
            self.out.grader_peak = max(self.out.grader_peak, reap_peak_rss(self.grader_process.popen))
            self.grader_process.close()
            self.grader_process.release()
            self.out.grader_log = log_tail(self.grader_log, GRADER_LOG_BYTES)
        self.sel.close()
        if self.events_r >= 0:
            os.close(self.events_r)
        if self.out.oom and self.out.status in (RunStatus.GRADED, RunStatus.NOT_GRADABLE, None):
            self.out.status = RunStatus.OOM
            self.out.message = phases.oom_message(self.limits)

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
            self._keep_app_output(chunk)
