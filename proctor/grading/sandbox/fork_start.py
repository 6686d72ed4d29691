"""The bwrap backend started from a fork server: the same isolation per run, without a Python start per run.

    backend = ForkSandbox(venv=..., uid=..., gid=...)   # a Sandbox like BwrapSandbox, with start_mode "fork"
    sandbox = backend.start(spec)                       # the same SandboxProcess protocol as a cold start

The server is harness/forkserver.py inside one bwrap sandbox (sandbox/forkserver.py starts and talks to it);
docs/decisions.md ("Fork servers") has the design and what it trades.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from proctor.grading.limits import DEFAULT_LIMITS, Limits
from proctor.grading.sandbox import runtime
from proctor.grading.sandbox.base import (
    HARNESS,
    SANDBOX_ENV,
    Pipes,
    SandboxProcess,
    SandboxSpec,
    SandboxUnavailable,
    rlimits_for,
)
from proctor.grading.sandbox.bwrap import HARNESS_DIR, BwrapSandbox, bwrap_base
from proctor.grading.sandbox.cgroups import RunCgroup
from proctor.grading.sandbox.forkserver import FORKSERVER, STEP_SECONDS, ForkServer
from proctor.grading.submission import read_submission


@dataclass
class ForkedProcess(SandboxProcess):
    """One run's app: a child of a fork server, addressed through a pidfd the kernel pinned for us."""

    server: ForkServer
    run_id: str
    output: int
    status: int
    control: int
    cgroup: RunCgroup | None
    pidfd: int
    backend: str = "bwrap"
    app_dir: str = "/submission"
    exit_code: int | None = None
    exited: threading.Event = field(default_factory=threading.Event)
    _closed: bool = False

    def send_go(self, module: str, attr: str) -> None:
        try:
            os.write(self.control, (json.dumps({"module": module, "attr": attr, "dir": self.app_dir}) + "\n").encode())
        except BrokenPipeError:
            pass

    def poll(self) -> int | None:
        return self.exit_code

    def oom_killed(self) -> bool:
        return bool(self.cgroup and self.cgroup.oom_killed())

    def peak_memory(self) -> int | None:
        return self.cgroup.peak_memory() if self.cgroup else None

    def cpu_seconds(self) -> float | None:
        return self.cgroup.cpu_seconds() if self.cgroup else None

    def kill(self) -> None:
        """The app is pid 1 of its pid namespace: killing it ends everything it started, then the cgroup."""
        try:
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.cgroup:
            self.cgroup.kill_all()
        if not self.exited.wait(STEP_SECONDS):
            self.server.trouble(f"run {self.run_id} did not end after SIGKILL")

    def destroy(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.kill()
        for fd in (self.output, self.status, self.control, self.pidfd):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.cgroup:
            self.cgroup.remove()


def app_command(venv: Path, uid: int, gid: int, control_fd: int, harness_dir: Path) -> list[str]:
    python = str(runtime.python_of(venv))
    argv = bwrap_base(uid, gid, hostname="sandbox")
    argv += ["--cap-add", "CAP_SYS_ADMIN", "--cap-add", "CAP_SETPCAP",
             "--size", str(64 * 1024 * 1024), "--tmpfs", "/tmp"]
    base = runtime.base_prefix(venv)
    if not str(base).startswith("/usr/"):
        argv += ["--ro-bind", str(base), str(base)]
    argv += ["--ro-bind", str(venv), str(venv), "--ro-bind", str(harness_dir), HARNESS_DIR,
             "--dir", "/submission", "--dir", "/dev/shm", "--remount-ro", "/", "--chdir", "/", "--clearenv"]
    for key, value in SANDBOX_ENV.items():
        argv += ["--setenv", key, value]
    return [*argv, "--", python, "-I", "-B", "-u", f"{HARNESS_DIR}/{FORKSERVER.name}",
            "--control-fd", str(control_fd)]


def spawn_app(server: ForkServer, spec: SandboxSpec) -> ForkedProcess:
    files = {name: data.decode("utf-8") for name, data in read_submission(spec.src_dir, "app.py").items()}
    cgroup = RunCgroup.create(spec.limits, spec.run_id)
    pipes = Pipes.open()
    files_r, files_w = os.pipe()
    job = {"run_id": spec.run_id, "rlimits": rlimits_for(spec.limits, cgroup),
           "tmp_bytes": spec.limits.tmp_mib * 1024 * 1024}

    open_fds = {pipes.output_w, pipes.control_r, pipes.status_w, files_r, files_w}

    def close(fd: int) -> None:  # once: a second close could hit a descriptor another thread just opened
        if fd in open_fds:
            open_fds.discard(fd)
            os.close(fd)

    def started() -> None:
        for fd in (pipes.output_w, pipes.control_r, pipes.status_w, files_r):
            close(fd)
        with os.fdopen(os.dup(files_w), "wb") as out:
            out.write(json.dumps(files).encode())
        close(files_w)

    try:
        return server.fork(job, [pipes.output_w, pipes.control_r, pipes.status_w, spec.listen_fd, files_r], cgroup,
                         started=started, make=lambda ticket, pid, pidfd: ForkedProcess(
                             server, ticket, pipes.output_r, pipes.status_r, pipes.control_w, cgroup, pidfd))
    except BaseException:
        for fd in (*list(open_fds), pipes.output_r, pipes.status_r, pipes.control_w):
            open_fds.add(fd)
            close(fd)
        if cgroup:
            cgroup.kill_all()
            cgroup.remove()
        raise


class Closable(Protocol):
    def close(self) -> None: ...


class ForkSandbox(BwrapSandbox):
    """The bwrap backend, started from a fork server: same isolation per run, without a Python start per run."""

    start_mode = "fork"

    def __init__(self, *, venv: Path, uid: int = 65534, gid: int = 65534,
                 limits: Limits = DEFAULT_LIMITS) -> None:
        self.venv, self.uid, self.gid, self.limits = venv, uid, gid, limits
        self._server: ForkServer | None = None
        self._lock = threading.Lock()
        self._count = 0
        self.companions: list[Closable] = []  # fork servers that go with this one (grading/suite_fork.py)

    def available(self) -> str | None:
        problem = super().available()
        if problem:
            return problem
        if os.geteuid() != 0:
            return "fork servers need root for per-run cgroups"
        return None

    def _current(self) -> ForkServer:
        with self._lock:
            if self._server is None or not self._server.usable():
                if self._server is not None:
                    self._server.retire()
                self._count += 1
                self._server = self._start_server(f"job-p{os.getpid()}-forkserver{self._count}")
            return self._server

    def _start_server(self, name: str) -> ForkServer:
        harness_dir, copy = HARNESS.parent, None
        if os.geteuid() == 0 and not runtime.accessible_to(harness_dir, self.uid):
            # A checkout under a directory the sandbox uid cannot enter (/root, a `mktemp -d`): bind a copy.
            harness_dir = copy = Path(tempfile.mkdtemp(prefix=f"{name}-"))
            copy.chmod(0o755)
            for source in (HARNESS, FORKSERVER):
                shutil.copyfile(source, copy / source.name)
                (copy / source.name).chmod(0o644)
        return ForkServer(name=name, env=dict(SANDBOX_ENV), cleanup=copy, argv_for=lambda control_fd: (
            app_command(self.venv, self.uid, self.gid, control_fd, harness_dir)))

    def start(self, spec: SandboxSpec) -> SandboxProcess:
        try:
            return spawn_app(self._current(), spec)
        except SandboxUnavailable:
            return spawn_app(self._current(), spec)  # the server was retired under us: one more, on a fresh one

    def close(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.close()
                self._server = None
            companions, self.companions = self.companions, []
        for companion in companions:
            companion.close()
