"""A fork server for app sandboxes: one warm Python that forks a fresh, walled-off child per submission.

Runs inside bwrap (sandbox/forkserver.py starts it) with CAP_SYS_ADMIN and CAP_SETPCAP in bwrap's own user
namespace, which owns nothing on the host. Like harness.py, it imports nothing of the platform.
docs/decisions.md ("Fork servers") gives the design; in short, per request a child:
1. leaves for new mount, pid, IPC, network and UTS namespaces and forks again, so the app is pid 1 of its own;
2. mounts a fresh /proc, a size-capped /tmp and /dev/shm, and a /submission tmpfs holding the files it reads
   from the engine's pipe, then made read-only: no host path of any run is ever visible;
3. sends one byte on the engine's credentials socket (the kernel tells the engine its pid; the engine moves it
   into the run's cgroup) and waits for "g";
4. drops every capability, sets no_new_privs, keeps only the run's descriptors, and only then runs harness.py's
   usual path: rlimits, "warm", wait for the control line, import the app, serve.

Control socket (SOCK_SEQPACKET, fd given as --control-fd): the engine sends {"ticket", "run_id", "rlimits",
"tmp_bytes"} with five descriptors (output, control, status, listener, files pipe) and one credentials socket;
the server answers {"started": ticket} and, when that child ends, {"exited": ticket, "code": n}. A ticket names
one start: a run whose app is restarted has several.
"""

from __future__ import annotations

import array
import ctypes
import gc
import importlib.util
import json
import os
import select
import signal
import socket
import sys
import traceback
from collections.abc import Callable
from types import ModuleType
from typing import Any


def _sibling(name: str) -> ModuleType:
    """A file beside this one: the harness runs with -I, so its own directory is not on sys.path."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


harness = _sibling("harness")

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWNET = (
    0x00020000, 0x04000000, 0x08000000, 0x20000000, 0x40000000)
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    1, 2, 4, 8, 32, 4096, 16384, 1 << 18)
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 24, 38
LINUX_CAPABILITY_VERSION_3 = 0x20080522
# Where the child's descriptors land before the harness runs: the numbers harness.py is told.
OUTPUT, LISTEN, CONTROL, STATUS = 1, 3, 4, 5
SUBMISSION = "/submission"
MAX_FILES_BYTES = 4 * 1024 * 1024  # the JSON of at most 256 KiB of code, with room for escaping


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, ctypes.c_ulong(flags),
                      data.encode() if data else None), f"mount {target}")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_privileges() -> None:
    """No capability in any set, the bounding set emptied, and no way back through exec."""
    for cap in range(64):
        libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)  # past the last capability this fails, harmlessly
    header, data = _CapHeader(LINUX_CAPABILITY_VERSION_3, 0), (_CapData * 2)()
    _check(libc.capset(ctypes.byref(header), data), "capset")
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def read_all(fd: int, limit: int) -> bytes:
    chunks, size = [], 0
    while chunk := os.read(fd, 65536):
        size += len(chunk)
        if size > limit:
            raise ValueError("the submission's files are over the limit")
        chunks.append(chunk)
    return b"".join(chunks)


def build_root(files_fd: int | None, tmp_bytes: int) -> None:
    """The child's private view: fresh /proc, /tmp, /dev/shm and, with files, /submission (written, then
    read-only)."""
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={tmp_bytes},mode=1777")
    if os.path.isdir("/dev/shm"):
        _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=1m,mode=1777")
    if files_fd is None:
        return
    _mount("tmpfs", SUBMISSION, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0755")
    files = json.loads(read_all(files_fd, MAX_FILES_BYTES))
    os.close(files_fd)
    for name, text in files.items():  # names the engine checked (grading/submission.py), on a fresh tmpfs
        path = os.path.join(SUBMISSION, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
    _mount("none", SUBMISSION, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def isolate(job: dict[str, object], creds: int, files: int | None) -> None:
    """In the child (pid 1 of its namespaces): build its root, be put in its cgroup, drop everything."""
    _check(libc.sethostname(b"sandbox", 7), "sethostname")
    build_root(files, int(job["tmp_bytes"]))  # type: ignore[call-overload]
    creds_sock = socket.socket(fileno=creds)
    creds_sock.send(b"c")  # the engine reads our pid from the kernel, not from us
    if creds_sock.recv(1) != b"g":
        os._exit(4)
    creds_sock.close()
    drop_privileges()


def become_app(job: dict[str, object], fds: list[int]) -> None:
    """The app's child: isolated, then harness.py's usual path with the run's descriptors."""
    output, control, status, listener, files, creds = fds
    isolate(job, creds, files)
    for target, fd in ((OUTPUT, output), (2, output), (LISTEN, listener), (CONTROL, control), (STATUS, status)):
        os.dup2(fd, target, inheritable=True)
    os.closerange(STATUS + 1, 1 << 16)
    os.chdir(SUBMISSION)
    sys.argv = ["harness", "--listen-fd", str(LISTEN), "--control-fd", str(CONTROL), "--status-fd", str(STATUS),
                "--rlimits", json.dumps(job["rlimits"]), "--run-id", str(job["run_id"])]
    os.environ.clear()
    os.environ.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "TMPDIR": "/tmp"})
    harness.main()


def start_child(job: dict[str, object], fds: list[int],
                become: Callable[[dict[str, object], list[int]], None] = become_app) -> int:
    """Fork the child that leaves for its namespaces; returns its pid (which waits for the app and exits with
    the app's code, so the server reaps one process per run). `become` is what pid 1 of the namespaces runs: the
    app (here) or a candidate's test suite (grader.py)."""
    pid = os.fork()
    if pid:
        return pid
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _check(libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS), "unshare")
        app = os.fork()
        if app == 0:
            become(job, fds)
            os._exit(0)
        for fd in fds:
            os.close(fd)
        _, wait_status = os.waitpid(app, 0)
        code = os.waitstatus_to_exitcode(wait_status)
        os._exit(code if code >= 0 else 128 - code)  # killed by signal n: 128 + n, as a shell says
    except BaseException:  # noqa: BLE001 - a child must never return into the server's loop
        traceback.print_exc()  # to the server's stderr, which the engine logs
        sys.stderr.flush()
        os._exit(5)


def serve(control: socket.socket, start: Callable[[dict[str, Any], list[int]], int] = start_child,
          descriptors: int = 6) -> None:
    """Fork a child per job with `start(job, fds)` (which returns its pid) and report starts and ends. The
    grader's fork server (grading/grader.py) uses the same loop with its own `start`."""
    # Every object the server imported is moved out of the collector's reach: otherwise each child's first
    # collections scan all of them and write to their headers, copying every page they sit on (most of a
    # child's CPU, measured in docs/performance.md).
    gc.collect()
    gc.freeze()
    children: dict[int, str] = {}
    fd_size = array.array("i").itemsize
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_w)  # a child's end wakes the select below at once
    signal.signal(signal.SIGCHLD, lambda *_: None)
    while True:
        while children:  # reap first: a report per ended child, in the order they end
            try:
                pid, wait_status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            run_id = children.pop(pid)
            control.send(json.dumps({"exited": run_id, "code": os.waitstatus_to_exitcode(wait_status)}).encode())
        readable, _, _ = select.select([control.fileno(), wake_r], [], [])
        if wake_r in readable:
            while True:
                try:
                    os.read(wake_r, 4096)
                except BlockingIOError:
                    break
        if control.fileno() not in readable:
            continue
        message, ancillary, _, _ = control.recvmsg(65536, socket.CMSG_SPACE(descriptors * fd_size))
        if not message:
            return  # the engine is gone: the children die with their namespaces' parent
        fds = array.array("i")
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[: len(data) - len(data) % fd_size])
        job = json.loads(message)
        if len(fds) != descriptors:
            for fd in fds:
                os.close(fd)
            reason = f"{descriptors} descriptors expected"
            control.send(json.dumps({"refused": job.get("ticket"), "reason": reason}).encode())
            continue
        pid = start(job, list(fds))
        for fd in fds:
            os.close(fd)
        children[pid] = str(job["ticket"])
        control.send(json.dumps({"started": job["ticket"]}).encode())


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[sys.argv.index("--control-fd") + 1]))
    harness.warm_up(full=True)
    control.send(json.dumps({"state": "warm"}).encode())
    serve(control)


if __name__ == "__main__":
    main()
