"""Fork-server starts for the bwrap backend: a warm sandbox forks one walled-off child per run.

    backend = ForkSandbox(runtime=..., uid=..., gid=...)   # a Sandbox like BwrapSandbox, with start = "fork"
    sandbox = backend.start(spec)                          # the same SandboxProcess protocol as a cold start

The fork server is harness/forkserver.py inside one bwrap sandbox that holds CAP_SYS_ADMIN and CAP_SETPCAP in
its own user namespace only. docs/decisions.md ("Fork servers") has the design and what it trades. Here: start
the server, hand it a run's descriptors and files, learn the child's pid from the kernel (SO_PASSCRED), put it
in the run's cgroup, and recycle servers after MAX_CHILDREN runs, MAX_AGE_SECONDS, or any sign of trouble.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

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
from proctor.grading.submission import read_submission

log = logging.getLogger(__name__)

FORKSERVER = HARNESS.parent / "forkserver.py"
MAX_CHILDREN = 200
MAX_AGE_SECONDS = 600.0
STEP_SECONDS = 10.0  # for each step of a child's start; far above the few milliseconds they take
# The server's own limits: it holds the warm interpreter and forks; its children leave for their own cgroups.
SERVER_LIMITS = Limits(memory_mib=512, processes=256)
_CREDS = struct.Struct("3i")


class Child(Protocol):
    """What the server's reader thread sets when a child ends."""

    exit_code: int | None
    exited: threading.Event


C = TypeVar("C", bound=Child)


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


class ForkServer:
    """One fork server sandbox and the engine's end of its control socket."""

    def __init__(self, *, name: str, argv_for: Callable[[int], list[str]], env: dict[str, str],
                 cleanup: Path | None = None) -> None:
        """argv_for(control_fd) starts the server; `cleanup` is a directory removed when it ends."""
        self.name = name
        self.born = time.monotonic()
        self.started = 0
        self.tickets = 0
        self.retired = False
        self._runs: dict[str, Child | None] = {}
        self._lock = threading.Lock()
        self._replies: dict[str, dict[str, object]] = {}
        self._reply = threading.Condition(self._lock)
        self._send_lock = threading.Lock()
        self._problem: str | None = None
        self.cgroup = RunCgroup.create(SERVER_LIMITS, name)
        if self.cgroup is None:
            raise SandboxUnavailable("fork servers need writable cgroups (run as root), so children get limits")
        self._cleanup = cleanup
        self.sock, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        argv = argv_for(child_end.fileno())
        argv = ["/bin/sh", "-c", 'for f in $1; do echo $$ > "$f" || exit 97; done; shift; exec "$@"', "sh",
                " ".join(map(str, self.cgroup.procs_files)), *argv]
        self.popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, pass_fds=(child_end.fileno(),), cwd="/",
                                      env=env, start_new_session=True)
        child_end.close()
        self._stderr: list[str] = []
        threading.Thread(target=self._drain_stderr, name=f"proctor-{name}-stderr", daemon=True).start()
        self.sock.settimeout(60)
        try:
            hello = json.loads(self.sock.recv(65536) or b"{}")
        except (OSError, ValueError):
            hello = {}
        if hello.get("state") != "warm":
            self.close()
            raise SandboxUnavailable(f"the fork server did not start: {''.join(self._stderr).strip() or hello}")
        self.sock.settimeout(None)
        threading.Thread(target=self._read, name=f"proctor-{name}", daemon=True).start()

    def _drain_stderr(self) -> None:
        """The server's own stderr (its tracebacks; children's output goes to their runs' pipes), logged."""
        assert self.popen.stderr is not None
        with self.popen.stderr:
            for raw in self.popen.stderr:
                line = raw.decode(errors="replace").rstrip()
                if len(self._stderr) < 200:
                    self._stderr.append(line + "\n")
                log.warning("fork server %s: %s", self.name, line[:2000])

    @staticmethod
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

    def usable(self) -> bool:
        return (not self.retired and self._problem is None and self.popen.poll() is None
                and self.started < MAX_CHILDREN and time.monotonic() - self.born < MAX_AGE_SECONDS
                and not (self.cgroup and self.cgroup.oom_killed()))

    def trouble(self, problem: str) -> None:
        """Something no child should be able to cause: retire this server at once."""
        log.warning("fork server %s retired: %s", self.name, problem)
        self._problem = problem
        self.retire()

    def fork(self, job: dict[str, object], fds: list[int], cgroup: RunCgroup | None, *,
             started: Callable[[], None], make: Callable[[str, int, int], C]) -> C:
        """Hand the server a job and its descriptors; once it has forked, `started()` (close our copies of the
        child's ends, send it data), then learn the child's pid from the kernel, put it in `cgroup` and let it
        go. `make(ticket, pid, pidfd)` builds the engine's handle. The server is retired on any failure."""
        creds, creds_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        creds.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        with self._send_lock:
            self.tickets += 1
            ticket = f"{job['run_id']}#{self.tickets}"
        pidfd = -1
        try:
            with self._send_lock:
                with self._lock:
                    self._runs[ticket] = None
                fds = [*fds, creds_child.fileno()]
                self.sock.sendmsg([json.dumps({**job, "ticket": ticket}).encode()],
                                  [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack(f"{len(fds)}i", *fds))])
                self._await(ticket, "started")
                self.started += 1
            creds_child.close()
            started()
            creds.settimeout(STEP_SECONDS)
            _, ancillary, _, _ = creds.recvmsg(1, socket.CMSG_SPACE(_CREDS.size))
            pid = next(_CREDS.unpack(data[:_CREDS.size])[0] for level, kind, data in ancillary
                       if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS)
            pidfd = os.pidfd_open(pid)
            if cgroup:
                for procs in cgroup.procs_files:
                    procs.write_text(str(pid))
            creds.send(b"g")
            child = make(ticket, pid, pidfd)
        except BaseException:
            with self._lock:
                self._runs.pop(ticket, None)
            if pidfd >= 0:
                os.close(pidfd)
            self.trouble(f"{ticket} could not be started")
            raise
        finally:
            creds.close()
            creds_child.close()
        with self._lock:
            ended = self._replies.pop(f"exited:{ticket}", None)
            self._runs[ticket] = child
        if ended is not None:
            self._ended(child, ended)
        return child

    def spawn(self, spec: SandboxSpec) -> ForkedProcess:
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
            return self.fork(job, [pipes.output_w, pipes.control_r, pipes.status_w, spec.listen_fd, files_r], cgroup,
                             started=started, make=lambda ticket, pid, pidfd: ForkedProcess(
                                 self, ticket, pipes.output_r, pipes.status_r, pipes.control_w, cgroup, pidfd))
        except BaseException:
            for fd in (*list(open_fds), pipes.output_r, pipes.status_r, pipes.control_w):
                open_fds.add(fd)
                close(fd)
            if cgroup:
                cgroup.kill_all()
                cgroup.remove()
            raise

    def _await(self, ticket: str, kind: str) -> dict[str, object]:
        deadline = time.monotonic() + STEP_SECONDS
        with self._reply:
            while f"{kind}:{ticket}" not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0 or self._problem is not None:
                    raise SandboxUnavailable(f"the fork server did not start {ticket}: {self._problem or 'timeout'}")
                self._reply.wait(left)
            return self._replies.pop(f"{kind}:{ticket}")

    def _read(self) -> None:
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            try:
                message = json.loads(data)
            except ValueError:
                self.trouble("an unreadable message on the control socket")
                break
            with self._reply:
                if "started" in message:
                    self._replies[f"started:{message['started']}"] = message
                elif "refused" in message:
                    self._problem = str(message.get("reason"))
                elif "exited" in message:
                    ticket = str(message["exited"])
                    process = self._runs.pop(ticket, None)
                    if process is None:
                        self._replies[f"exited:{ticket}"] = message  # before spawn() returned its process
                    else:
                        self._ended(process, message)
                self._reply.notify_all()
            if self.retired and not self._runs:
                break
        with self._reply:
            if self._problem is None and not self.retired:
                self._problem = "the fork server ended"
            for process in [p for p in self._runs.values() if p is not None]:
                process.exit_code = -1 if process.exit_code is None else process.exit_code
                process.exited.set()
            self._runs.clear()
            self._reply.notify_all()
        self._shut()

    @staticmethod
    def _ended(process: Child, message: dict[str, object]) -> None:
        code = message.get("code")
        process.exit_code = code if isinstance(code, int) else -1
        process.exited.set()

    def retire(self) -> None:
        """Start no more runs here; the server ends once its last run has."""
        with self._lock:
            self.retired = True
            idle = not self._runs
        if idle:
            self._shut()

    def _shut(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.cgroup:
            self.cgroup.kill_all()
        try:
            self.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        if self.cgroup:
            self.cgroup.remove()
        if self._cleanup:
            shutil.rmtree(self._cleanup, ignore_errors=True)
        self.sock.close()

    def close(self) -> None:
        self.retired = True
        self._shut()


class ForkSandbox(BwrapSandbox):
    """The bwrap backend, started from a fork server: same isolation per run, without a Python start per run."""

    start_mode = "fork"

    def __init__(self, *, venv: Path, uid: int = 65534, gid: int = 65534,
                 limits: Limits = DEFAULT_LIMITS) -> None:
        self.venv, self.uid, self.gid, self.limits = venv, uid, gid, limits
        self._server: ForkServer | None = None
        self._lock = threading.Lock()
        self._count = 0

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
            ForkServer.app_command(self.venv, self.uid, self.gid, control_fd, harness_dir)))

    def start(self, spec: SandboxSpec) -> SandboxProcess:
        try:
            return self._current().spawn(spec)
        except SandboxUnavailable:
            return self._current().spawn(spec)  # the server was retired under us: one more, on a fresh one

    def close(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.close()
                self._server = None
