"""Candidates' own suites (kind = "pytest") forked from a warm server, where apps start from one too.

    suite = suite_forks(backend).start(job, limits)   # a SuiteProcess, as start_suite gives

The server is grader.py --suite-fork-server inside bwrap, set up as the app's fork server is (sandbox/
fork_start.py): the sandbox uid, the runtime and the suite's platform files read-only, no network, and
CAP_SYS_ADMIN and CAP_SETPCAP in bwrap's user namespace only. It has imported pytest, httpx and the plugin and
run one throwaway session. Each child leaves for new mount, pid, IPC, network and UTS namespaces with a fresh
/proc and /tmp, joins the run's cgroup through the credentials hand-over, drops every capability and sets
no_new_privs (harness/forkserver.py), and only then reads the candidate's files and runs their tests. The suite
is untrusted code, so nothing of the server but imported libraries is in its memory, as for apps.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import weakref
from pathlib import Path

from proctor.grading.grader import EVENTS_FD
from proctor.grading.grader_fork import ForkedPopen
from proctor.grading.jobs import Job
from proctor.grading.limits import Limits, MiB
from proctor.grading.sandbox import runtime
from proctor.grading.sandbox.base import SandboxUnavailable, rlimits_for
from proctor.grading.sandbox.bwrap import bwrap_base
from proctor.grading.sandbox.cgroups import RunCgroup
from proctor.grading.sandbox.fork_start import ForkSandbox
from proctor.grading.sandbox.forkserver import ForkServer
from proctor.grading.suite_sandbox import BOOT, SUITE_ENV, SUITE_LIB, SuiteProcess, copy_lib

_forks: weakref.WeakKeyDictionary[ForkSandbox, SuiteForks] = weakref.WeakKeyDictionary()
_forks_lock = threading.Lock()


def suite_forks(backend: object) -> SuiteForks | None:
    """The suite fork server that goes with a fork-server app backend; None for any other backend."""
    if not isinstance(backend, ForkSandbox):
        return None
    with _forks_lock:
        forks = _forks.get(backend)
        if forks is None:
            forks = _forks[backend] = SuiteForks(venv=backend.venv, uid=backend.uid, gid=backend.gid)
            backend.companions.append(forks)  # closed with the backend
        return forks


def server_command(venv: Path, uid: int, gid: int, lib: Path, control_fd: int) -> list[str]:
    python = str(runtime.python_of(venv))
    argv = bwrap_base(uid, gid, hostname="sandbox")
    argv += ["--cap-add", "CAP_SYS_ADMIN", "--cap-add", "CAP_SETPCAP",
             "--size", str(64 * MiB), "--tmpfs", "/tmp", "--dir", "/dev/shm"]
    base = runtime.base_prefix(venv)
    if not str(base).startswith("/usr/"):
        argv += ["--ro-bind", str(base), str(base)]
    argv += ["--ro-bind", str(venv), str(venv), "--ro-bind", str(lib), SUITE_LIB,
             "--remount-ro", "/", "--chdir", "/tmp", "--clearenv"]
    for key, value in SUITE_ENV.items():
        argv += ["--setenv", key, value]
    return [*argv, "--", python, "-I", "-B", "-c", BOOT.format(lib=SUITE_LIB), "--suite-fork-server",
            str(control_fd)]


class SuiteForks:
    def __init__(self, *, venv: Path, uid: int, gid: int) -> None:
        self.venv, self.uid, self.gid = venv, uid, gid
        self._server: ForkServer | None = None
        self._lock = threading.Lock()
        self._count = 0

    def _current(self) -> ForkServer:
        with self._lock:
            if self._server is None or not self._server.usable():
                if self._server is not None:
                    self._server.retire()
                self._count += 1
                name = f"job-p{os.getpid()}-suiteserver{self._count}"
                lib = Path(tempfile.mkdtemp(prefix=f"{name}-"))  # readable by the sandbox uid wherever we run
                lib.chmod(0o755)
                copy_lib(lib)
                self._server = ForkServer(name=name, env=dict(SUITE_ENV), cleanup=lib, argv_for=lambda fd: (
                    server_command(self.venv, self.uid, self.gid, lib, fd)))
            return self._server

    def start(self, job: Job, limits: Limits) -> SuiteProcess:
        try:
            return self._start(self._current(), job, limits)
        except SandboxUnavailable:
            return self._start(self._current(), job, limits)  # retired under us: one more, on a fresh one

    def _start(self, server: ForkServer, job: Job, limits: Limits) -> SuiteProcess:
        cgroup = RunCgroup.create(limits, f"{job.run_id}-suite")
        ours, theirs = socket.socketpair()
        events_r, events_w = os.pipe()
        output_r, output_w = os.pipe()
        message = {"run_id": job.run_id, "rlimits": rlimits_for(limits, cgroup), "tmp_bytes": limits.tmp_mib * MiB}
        handed_over = False

        def started() -> None:
            nonlocal handed_over
            handed_over = True
            theirs.close()
            os.close(events_w)
            os.close(output_w)

        try:
            popen = server.fork(message, [theirs.fileno(), events_w, output_w], cgroup, started=started,
                                make=lambda ticket, pid, pidfd: ForkedPopen(pid, pidfd))
        except BaseException:
            ours.close()
            for fd in (events_r, output_r):
                os.close(fd)
            if not handed_over:
                started()
            if cgroup:
                cgroup.kill_all()
                cgroup.remove()
            raise
        return SuiteProcess(popen, ours, events_r, EVENTS_FD, job.root / "suite.log", cgroup,
                            output=output_r)

    def close(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.close()
                self._server = None
