"""Graders forked from a warm, trusted fork server (grader.py --fork-server), for the catalog's own packs.

    forks = GraderForks(isolation)
    grader = forks.start(job.root, tests)  # a GraderProcess, as start_grader gives, in microseconds of our CPU

The server runs under the grader's usual isolation (bwrap, no network, only the runtime and the package) and
has imported pytest, httpx and the plugin once. Each child gets its own session, its own cgroup (the kernel
tells us its pid; we move it), its own working directory, and the run's control socket, events pipe and log.
Interviewer-authored suites never come here: their code is not ours, so they keep a fresh grader per run.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

from proctor.grading import precompiled
from proctor.grading.grader import EVENTS_FD
from proctor.grading.grader_process import GRADER_ENV, GraderIsolation, GraderProcess, grader_command
from proctor.grading.sandbox.base import SandboxUnavailable, rlimits_for
from proctor.grading.sandbox.cgroups import RunCgroup
from proctor.grading.sandbox.forkserver import STEP_SECONDS, ForkServer


@dataclass
class ForkedPopen:
    """Enough of subprocess.Popen for a forked grader: its pid as we see it, and its exit as the server tells."""

    pid: int
    pidfd: int
    exit_code: int | None = None
    exited: threading.Event = field(default_factory=threading.Event)

    @property
    def returncode(self) -> int | None:
        return self.exit_code

    def poll(self) -> int | None:
        return self.exit_code

    def wait(self, timeout: float | None = None) -> int:
        if not self.exited.wait(STEP_SECONDS if timeout is None else timeout) and self.pidfd >= 0:
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            self.exited.wait(STEP_SECONDS)
        # Closed once only: waited for again (the supervisor, then the suite's runner), a second close would hit
        # whatever descriptor another thread has opened under that number since.
        pidfd, self.pidfd = self.pidfd, -1
        if pidfd >= 0:
            os.close(pidfd)
        return -1 if self.exit_code is None else self.exit_code


class GraderForks:
    def __init__(self, isolation: GraderIsolation, workdir: Path) -> None:
        self.isolation = isolation
        self.workdir = workdir  # where an unisolated server starts; a bwrap one has its own /tmp
        self._server: ForkServer | None = None
        self._lock = threading.Lock()
        self._count = 0
        self._compiled_by: ForkServer | None = None  # the server that compiled the packs in _compiled
        self._compiled: set[str] = set()

    def _current(self) -> ForkServer:
        with self._lock:
            if self._server is None or not self._server.usable():
                if self._server is not None:
                    self._server.retire()
                self._count += 1
                name = f"job-p{os.getpid()}-graderserver{self._count}"
                # Memory and processes are the cgroups' (the server's, then each child's): the rest as rlimits.
                rlimits = {k: v for k, v in rlimits_for(self.isolation.limits, None).items()
                           if k not in ("data", "nproc_extra")}
                args = ["--rlimits", json.dumps(rlimits)]
                env = {**GRADER_ENV, "HOME": "/tmp", "TMPDIR": "/tmp"}
                self._server = ForkServer(name=name, env=env, argv_for=lambda control_fd: grader_command(
                    self.isolation, [*args, "--fork-server", str(control_fd)], self.workdir)[0])
            return self._server

    def start(self, workdir: Path, tests: dict[str, str] | None = None) -> GraderProcess:
        """A forked grader for the run in `workdir`; `tests`, the pack's files the spec will bring, are sent to
        the server the first time it meets them, to be compiled there once (precompiled.py)."""
        try:
            return self._start(self._current(), workdir, tests)
        except SandboxUnavailable:
            return self._start(self._current(), workdir, tests)  # retired under us: one more, on a fresh one

    def _start(self, server: ForkServer, workdir: Path, tests: dict[str, str] | None) -> GraderProcess:
        job: dict[str, object] = {"run_id": workdir.name}
        ahead = precompiled.rewritten_files(tests or {})
        key = precompiled.digest(json.dumps(ahead, sort_keys=True).encode())
        with self._lock:
            if self._compiled_by is not server:
                self._compiled_by, self._compiled = server, set()
            if ahead and key not in self._compiled and len(key) + sum(map(len, ahead.values())) < precompiled.MAX_BYTES:
                job["precompile"] = ahead
                self._compiled.add(key)
        cgroup = RunCgroup.create(self.isolation.limits, f"{workdir.name}-grader") if self.isolation.cgroups else None
        ours, theirs = socket.socketpair()
        events_r, events_w = os.pipe()
        log_path = workdir / "grader.log"
        log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        child_ends = [theirs.fileno(), events_w, log_fd]
        handed_over = False

        def started() -> None:
            nonlocal handed_over
            handed_over = True
            theirs.close()
            os.close(events_w)
            os.close(log_fd)

        try:
            popen = server.fork(job, child_ends, cgroup, started=started,
                                make=lambda ticket, pid, pidfd: ForkedPopen(pid, pidfd))
        except BaseException:
            ours.close()
            os.close(events_r)
            if not handed_over:
                started()
            if cgroup:
                cgroup.kill_all()
                cgroup.remove()
            log_path.unlink(missing_ok=True)  # ours (O_EXCL): a retry on a fresh server makes it anew
            raise
        return GraderProcess(popen, ours, events_r, EVENTS_FD, log_path, cgroup)

    def close(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.close()
                self._server = None
