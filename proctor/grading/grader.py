"""The trusted grader process: runs a challenge's tests with pytest against the app's socket.

Started by the engine (grader_process.py) as `python -I -B -m proctor.grading.grader`, with stdin a Unix socket
that brings one JSON line: {"files": {name: text}, "tests": [names], "events_fd": n, "test_timeout": s,
"message_bytes": n}. It writes the files into a fresh directory, collects the tests, then waits for "go" on
stdin, which comes with the app's socket as a descriptor, and reports through the events pipe. It never sees
the app's output, and the app never sees it: the two meet only over HTTP.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pluggy

from proctor.grading import precompiled
from proctor.grading.protocol import GraderSpec, Idle, OutOfMemory

INI = Path(__file__).with_name("grader.ini")
hookimpl = pluggy.HookimplMarker("pytest")  # pytest.hookimpl, without importing pytest before the rlimits


# Plugins no grader uses, kept from loading: a forked grader would register each again per run (about 5 ms of
# its CPU). Given as arguments, since pytest has imported its built-in plugins before it reads the ini's addopts.
# (legacypath stays: it gives the `tmpdir` fixture, which a candidate's own suite may use.)
UNUSED_PLUGINS = ("doctest", "junitxml", "pastebin", "stepwise", "setuponly", "setupplan", "debugging",
                  "faulthandler", "unraisableexception", "threadexception")


def base_args(root: str) -> list[str]:
    return ["-q", "-c", str(INI), "--rootdir", root, "--confcutdir", root,
            *(arg for name in UNUSED_PLUGINS for arg in ("-p", f"no:{name}"))]


def pytest_args(spec: dict[str, object]) -> list[str]:
    tests = [str(t) for t in spec["tests"]]  # type: ignore[attr-defined]
    return [
        *base_args(str(Path(tests[0]).parent)),
        "-p", "proctor.grading.plugin",
        "--proctor-socket", str(spec["socket"]), "--proctor-socket-fd", str(spec["socket_fd"]),
        "--proctor-events-fd", str(spec["events_fd"]),
        "--proctor-test-timeout", str(spec["test_timeout"]),
        "--proctor-message-bytes", str(spec["message_bytes"]),
        "--proctor-control-fd", str(spec["control_fd"]),
        *(["--proctor-strict"] if spec.get("strict") else []),
        *tests,
    ]


WARM_TEST = '''
def test_warm(client):
    assert client.get("/warm").json() == {"warm": True}
'''


def warm_up(workdir: Path) -> None:
    """One throwaway pytest session against a throwaway server, before the spec arrives: pytest's, httpx's and
    the plugin's first-time costs are then paid while the sandbox starts, not during the candidate's run."""
    import shutil

    import pytest

    from proctor.grading.plugin import http_warmed, warm_server

    root = workdir / ".warm-up"
    root.mkdir()
    try:
        (root / "test_warm.py").write_text(WARM_TEST)
        with warm_server(root / "s.sock"):
            pytest.main([*base_args(str(root)), "-p", "proctor.grading.plugin", "--proctor-socket",
                         str(root / "s.sock"), str(root / "test_warm.py")])
        http_warmed()
    finally:
        shutil.rmtree(root, ignore_errors=True)


class MemoryGuard:
    """Where the grader's memory is an rlimit, not a cgroup, hidden tests that pass it get a MemoryError rather
    than a kill: report that as the engine's "oom" and stop, so the result says so either way."""

    def __init__(self, events_fd: int) -> None:
        self.events_fd = events_fd
        self.line = OutOfMemory().to_line()  # made now: there may be no memory for it later

    def _stop(self, excinfo: object) -> None:
        if excinfo is not None and excinfo.errisinstance(MemoryError):  # type: ignore[attr-defined]
            os.write(self.events_fd, self.line)
            os._exit(3)

    @hookimpl(tryfirst=True)  # before the report is made and sent as a test event
    def pytest_runtest_makereport(self, item: object, call: object) -> None:
        self._stop(call.excinfo)  # type: ignore[attr-defined]

    def pytest_exception_interact(self, node: object, call: object, report: object) -> None:
        self._stop(call.excinfo)  # type: ignore[attr-defined]


def main() -> int:
    if "--rlimits" in sys.argv:  # before pytest or any test is imported: nothing may raise them again
        from proctor.grading.harness.harness import apply_rlimits

        apply_rlimits(json.loads(sys.argv[sys.argv.index("--rlimits") + 1]))
    import pytest  # noqa: F401 - imported before the spec arrives, while the sandbox starts

    import proctor.grading.plugin  # noqa: F401 - likewise

    sys.dont_write_bytecode = True
    if "--warm-up" in sys.argv:  # a pooled grader has time to spare before its submission
        try:
            warm_up(Path.cwd())
        except Exception:  # noqa: BLE001 - only an optimisation; the real run reports real problems
            pass
        sys.stdout.flush()  # its report goes out before "idle", so a pool can drop it (suite_pool.py)
        os.write(int(sys.argv[sys.argv.index("--warm-up") + 1]), Idle().to_line())

    if "--fork-server" in sys.argv:
        return fork_server(int(sys.argv[sys.argv.index("--fork-server") + 1]))
    if "--suite-fork-server" in sys.argv:
        return suite_fork_server(int(sys.argv[sys.argv.index("--suite-fork-server") + 1]))
    return serve_one()


def serve_one() -> int:
    """One run: the spec on stdin, the tests written and collected, "go", the events. Also a forked child's."""
    import pytest

    from proctor.grading.plugin import read_line

    line = read_line(0)
    if not line:
        return 0
    spec: dict[str, Any] = GraderSpec.model_validate_json(line).model_dump()
    root = Path(tempfile.mkdtemp(prefix="tests-", dir=Path.cwd()))
    for name, text in spec["files"].items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    spec["tests"] = [str(root / name) for name in spec["tests"]]
    # A placeholder until "go" brings the app's socket, which then takes this descriptor's number.
    spec["socket_fd"] = os.open(os.devnull, os.O_RDONLY)
    spec["socket"] = f"/proc/self/fd/{spec['socket_fd']}"
    spec["control_fd"] = os.dup(0)
    sys.dont_write_bytecode = True
    os.chdir(root)
    code = pytest.main(pytest_args(spec), plugins=[MemoryGuard(int(spec["events_fd"]))])
    return int(code) if int(code) in (0, 1) else int(code)


EVENTS_FD = 3  # where a forked grader's events pipe lands; its spec names this number


def fork_server(control_fd: int) -> int:
    """A trusted fork server for catalog packs (docs/decisions.md, "Fork servers"): pytest, httpx and the plugin
    imported and warmed once; per run a child in its own session and cgroup that serves one spec."""
    import socket

    from proctor.grading.harness import forkserver

    control = socket.socket(fileno=control_fd)
    try:
        warm_up(Path(tempfile.mkdtemp(prefix="warm-")))
    except Exception:  # noqa: BLE001 - only an optimisation
        pass
    control.send(json.dumps({"state": "warm"}).encode())
    forkserver.serve(control, start=_fork_grader, descriptors=4)
    return 0


def _fork_grader(job: dict[str, Any], fds: list[int]) -> int:
    import signal
    import socket
    import traceback

    precompiled.compile_ahead(job.get("precompile") or {})  # in the server: once, for every later child
    pid = os.fork()
    if pid:
        return pid
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        precompiled.use()
        stdin, events, log, creds = fds
        with socket.socket(fileno=creds) as sock:
            sock.send(b"c")  # the engine reads our pid from the kernel and puts us in the run's cgroup
            if sock.recv(1) != b"g":
                os._exit(4)
        for target, fd in ((0, stdin), (1, log), (2, log), (EVENTS_FD, events)):
            os.dup2(fd, target)
        os.closerange(EVENTS_FD + 1, 1 << 16)
        os.chdir(tempfile.mkdtemp(prefix="grader-"))
        code = serve_one()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    except BaseException:  # noqa: BLE001 - a child must never return into the server's loop
        traceback.print_exc()
        os._exit(5)



SUITE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp", "TMPDIR": "/tmp",
             "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def suite_fork_server(control_fd: int) -> int:
    """A fork server for candidates' own suites (kind pytest; grading/suite_fork.py starts it inside bwrap with
    CAP_SYS_ADMIN and CAP_SETPCAP there): pytest, httpx and the plugin warmed once; per run a child that leaves
    for its own namespaces, mounts, cgroup and no privilege at all, exactly as an app's child does
    (harness/forkserver.py), and only then runs the candidate's suite."""
    import socket

    from proctor.grading.harness import forkserver

    control = socket.socket(fileno=control_fd)
    try:
        warm_up(Path(tempfile.mkdtemp(prefix="warm-")))
    except Exception:  # noqa: BLE001 - only an optimisation
        pass
    control.send(json.dumps({"state": "warm"}).encode())
    forkserver.serve(control, start=lambda job, fds: forkserver.start_child(job, fds, become=_become_suite),
                     descriptors=4)
    return 0


def _become_suite(job: dict[str, Any], fds: list[int]) -> None:
    from proctor.grading.harness import forkserver

    control, events, output, creds = fds
    forkserver.isolate(job, creds, None)
    for target, fd in ((0, control), (1, output), (2, output), (EVENTS_FD, events)):
        os.dup2(fd, target)
    os.closerange(EVENTS_FD + 1, 1 << 16)
    os.chdir("/tmp")
    os.environ.clear()
    os.environ.update(SUITE_ENV)
    forkserver.harness.apply_rlimits(job["rlimits"])
    code = serve_one()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
