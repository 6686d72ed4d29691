"""Fork servers, engine side: a warm process that forks one child per job, started and spoken to from here.

    server = ForkServer(name=..., argv_for=lambda control_fd: [...], env={...})
    child = server.fork(job, fds, cgroup, started=..., make=...)

The app's server is harness/forkserver.py inside bwrap (sandbox/fork_start.py), the grader's is grader.py
--fork-server (grading/grader_fork.py); docs/decisions.md ("Fork servers") has the design. Here: start a server,
hand it a job and its descriptors, learn the child's pid from the kernel (SO_PASSCRED), put it in its cgroup,
hear when it ends, and retire the server after MAX_CHILDREN runs, MAX_AGE_SECONDS, or any sign of trouble.
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
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

from proctor.grading.limits import Limits
from proctor.grading.sandbox.base import (
    HARNESS,
    SandboxUnavailable,
)
from proctor.grading.sandbox.cgroups import RunCgroup

log = logging.getLogger(__name__)

FORKSERVER = HARNESS.parent / "forkserver.py"  # the server itself, beside harness.py
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
        self.popen = self._start(argv, env, child_end.fileno())
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

    def _start(self, argv: list[str], env: dict[str, str], control_fd: int) -> subprocess.Popen[bytes]:
        """Start the server from a thread of its own that lives as long as it does. bwrap's --die-with-parent
        follows the *thread* that forked it: started from a thread that ends (a grading's thread pool), the
        server would be killed with it, mid-way between two runs."""
        started: list[subprocess.Popen[bytes] | BaseException] = []
        ready = threading.Event()

        def keep() -> None:
            try:
                popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE, pass_fds=(control_fd,), cwd="/", env=env,
                                         start_new_session=True)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                started.append(exc)
                ready.set()
                return
            started.append(popen)
            ready.set()
            popen.wait()

        threading.Thread(target=keep, name=f"proctor-{self.name}-keeper", daemon=True).start()
        ready.wait()
        if isinstance(started[0], BaseException):
            raise started[0]
        return started[0]

    def _drain_stderr(self) -> None:
        """The server's own stderr (its tracebacks; children's output goes to their runs' pipes), logged."""
        assert self.popen.stderr is not None
        with self.popen.stderr:
            for raw in self.popen.stderr:
                line = raw.decode(errors="replace").rstrip()
                if len(self._stderr) < 200:
                    self._stderr.append(line + "\n")
                log.warning("fork server %s: %s", self.name, line[:2000])

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
        except BaseException as exc:
            with self._lock:
                self._runs.pop(ticket, None)
            if pidfd >= 0:
                os.close(pidfd)
            self.trouble(f"{ticket} could not be started")
            if isinstance(exc, (OSError, StopIteration)):  # the server or the child went away: try a fresh one
                raise SandboxUnavailable(f"{ticket} could not be started: {exc!r}") from exc
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
