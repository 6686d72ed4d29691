"""Fork-server starts (grading/sandbox/forkserver.py): children of one warm server, in flight together, one of
them hostile. Each child must see nothing of its siblings or the server, and leave nothing for the next.

The engine suite (test_hostile.py, test_engine.py) also runs on the fork backend through the `sandbox` fixture.
"""

from __future__ import annotations

import json
import os
import select
import time
from pathlib import Path

import pytest

from proctor.grading.engine import grade
from proctor.grading.jobs import Job
from proctor.grading.limits import DEFAULT_LIMITS
from proctor.grading.packs import Challenge
from proctor.grading.results import RunStatus
from proctor.grading.sandbox.base import SandboxProcess, SandboxSpec
from proctor.grading.sandbox.fork_start import ForkSandbox
from tests.conftest import SETTINGS, SHORT

REFERENCE = (Path(__file__).parent.parent / "graders/hello-route/reference/app.py").read_bytes()

LOOK = '''
import json, os, socket, sys
def status(path):
    for line in open(path):
        if line.startswith(("CapEff", "CapBnd", "CapPrm", "NoNewPrivs")):
            yield line.split(":")[0], line.split()[1]
seen = {
    "pids": sorted(p for p in os.listdir("/proc") if p.isdigit()),
    "tmp": sorted(os.listdir("/tmp")),
    "shm": sorted(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else [],
    "submission": sorted(os.listdir("/submission")),
    "env": sorted(os.environ),
    "hostname": socket.gethostname(),
    "status": dict(status("/proc/self/status")),
}
try:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("\\0proctor-leak")
    seen["abstract"] = "connected"
except OSError as exc:
    seen["abstract"] = type(exc).__name__
print("SEEN " + json.dumps(seen), flush=True)
'''

HOSTILE = '''
import os, socket, threading, time
open("/tmp/left-behind", "w").write("x")
if os.path.isdir("/dev/shm"):
    open("/dev/shm/left-behind", "w").write("x")
os.environ["LEFT_BEHIND"] = "1"
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind("\\0proctor-leak")
listener.listen()
tried = []
for path in ("/submission/app.py", "/opt/proctor-harness/harness.py", "/submission/new.py"):
    try:
        open(path, "a").write("# changed")
        tried.append("wrote " + path)
    except OSError:
        tried.append("refused " + path)
for pid in range(2, 200):
    try:
        os.kill(pid, 9)
        tried.append(f"signalled {pid}")
    except OSError:
        pass
print("TRIED " + " | ".join(tried), flush=True)
time.sleep(30)  # stay alive while a sibling runs
'''


@pytest.fixture
def start(fork_sandbox: ForkSandbox):
    """Start an app (its source runs at import) in a child of the session's fork server; yields a starter."""
    settings = SETTINGS
    started: list[tuple[Job, SandboxProcess]] = []

    def run(source: str) -> SandboxProcess:
        job = Job.create(settings.jobs_dir, {"app.py": source.encode() + b"\napp = None\n"})
        spec = SandboxSpec(runtime=settings.runtime_dir, src_dir=job.src, work_dir=job.root,
                           listen_fd=job.listener.fileno(), limits=DEFAULT_LIMITS, uid=settings.sandbox_uid,
                           gid=settings.sandbox_gid, run_id=job.run_id)
        process = fork_sandbox.start(spec)
        started.append((job, process))
        process.send_go("app", "app")
        return process

    yield run
    for job, process in started:
        process.destroy()
        job.close()


def read_line(process: SandboxProcess, prefix: str, timeout: float = 30) -> str:
    """The first output line starting with prefix."""
    buffer = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.output], [], [], 0.2)
        if not ready:
            continue
        chunk = os.read(process.output, 65536)
        if not chunk:
            break
        buffer += chunk
        for line in buffer.decode(errors="replace").splitlines():
            if line.startswith(prefix):
                return line[len(prefix):]
    raise AssertionError(f"no {prefix!r} line; output was {buffer[-2000:]!r}")


def test_a_child_sees_only_itself_and_holds_no_privilege(start):
    seen = json.loads(read_line(start(LOOK), "SEEN "))
    assert seen["pids"] == ["1"]  # pid 1 of its own namespace: no server, no sibling, no host
    assert seen["tmp"] == [] and seen["shm"] == []
    assert seen["submission"] == ["app.py"]
    assert seen["env"] == ["HOME", "LANG", "PATH", "TMPDIR"]
    assert seen["hostname"] == "sandbox"
    assert seen["status"] == {"CapPrm": "0000000000000000", "CapEff": "0000000000000000",
                              "CapBnd": "0000000000000000", "NoNewPrivs": "1"}


def test_a_hostile_sibling_reaches_nothing_and_leaves_nothing(start):
    hostile = start(HOSTILE)
    tried = read_line(hostile, "TRIED ")
    assert "wrote" not in tried, tried
    assert "signalled" not in tried, tried  # no other process exists in its pid namespace
    # While the hostile child still runs, a sibling sees none of what it did; so does the next one after it.
    for _ in range(2):
        seen = json.loads(read_line(start(LOOK), "SEEN "))
        assert (seen["pids"], seen["tmp"], seen["shm"]) == (["1"], [], [])
        assert "LEFT_BEHIND" not in seen["env"]
        assert seen["abstract"] in ("ConnectionRefusedError", "FileNotFoundError")
        hostile.kill()


@pytest.mark.parametrize("bomb", [
    "hoard = []\nwhile True:\n    hoard.append(bytearray(10**7))",
    "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass",
    "import os\nfds = []\nwhile True:\n    fds.append(os.open('/dev/null', os.O_RDONLY))",
], ids=["memory", "fork", "descriptors"])
def test_a_bomb_leaves_the_fork_server_and_its_next_run_graded_right(fork_sandbox, hello: Challenge, bomb):
    bombed = grade(hello, {"app.py": (bomb + "\n\n").encode() + REFERENCE}, backend=fork_sandbox, limits=SHORT,
                   settings=SETTINGS)
    assert bombed.status in (RunStatus.OOM, RunStatus.NOT_GRADABLE, RunStatus.TIMEOUT)
    assert bombed.score == 0
    server = fork_sandbox._server
    result = grade(hello, {"app.py": REFERENCE}, backend=fork_sandbox, settings=SETTINGS)
    assert (result.status, result.score) == (RunStatus.GRADED, 100.0)
    assert fork_sandbox._server is server and server is not None and server.usable()


def test_a_fork_server_is_replaced_after_its_quota_of_children(fork_sandbox, hello: Challenge, monkeypatch):
    from proctor.grading.sandbox import forkserver

    first = fork_sandbox._current()
    monkeypatch.setattr(forkserver, "MAX_CHILDREN", first.started + 1)
    assert grade(hello, {"app.py": REFERENCE}, backend=fork_sandbox, settings=SETTINGS).score == 100.0
    assert not first.usable()
    assert grade(hello, {"app.py": REFERENCE}, backend=fork_sandbox, settings=SETTINGS).score == 100.0
    assert fork_sandbox._server is not first
    deadline = time.monotonic() + 10
    while first.popen.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert first.popen.poll() is not None  # the retired server ended once its last run had


def test_tests_compiled_in_the_grader_server_give_the_feedback_pytest_gives(fork_sandbox, hello: Challenge):
    from proctor.grading.engine import grader_isolation
    from proctor.grading.grader_fork import GraderForks

    wrong = hello.wrong_cases()["no-health"].files
    fresh = grade(hello, wrong, backend=fork_sandbox, settings=SETTINGS)  # a fresh grader: pytest's own rewrite
    forks = GraderForks(grader_isolation(SETTINGS), SETTINGS.jobs_dir)
    try:
        forked = [grade(hello, wrong, backend=fork_sandbox, settings=SETTINGS, grader_forks=forks) for _ in range(2)]
        assert forks._compiled  # the server was sent the pack's tests once, and compiled them
    finally:
        forks.close()
    health = [next(t for t in r.tests if t.name == "test_health") for r in (fresh, *forked)]
    assert "assert 404 == 200" in health[0].detail  # the rewritten assert's own explanation
    assert [r.verdict() for r in forked] == [fresh.verdict()] * 2
    assert [(t.message, t.detail) for t in health[1:]] == [(health[0].message, health[0].detail)] * 2


def test_a_fork_server_outlives_the_thread_that_started_it(hello: Challenge):
    """bwrap's --die-with-parent follows the thread that forked it; a server started from a grading's short-lived
    thread (a pack check's, a suite's pool) must not die with that thread."""
    import threading

    backend = ForkSandbox(venv=SETTINGS.runtime_dir, uid=SETTINGS.sandbox_uid, gid=SETTINGS.sandbox_gid)
    try:
        first: list[float] = []
        worker = threading.Thread(target=lambda: first.append(
            grade(hello, {"app.py": REFERENCE}, backend=backend, settings=SETTINGS).score))
        worker.start()
        worker.join()
        server = backend._server
        assert first == [100.0] and server is not None
        deadline = time.monotonic() + 2  # a parent-death signal would have arrived by now
        while server.popen.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.popen.poll() is None and server.usable()
        assert grade(hello, {"app.py": REFERENCE}, backend=backend, settings=SETTINGS).score == 100.0
        assert backend._server is server
    finally:
        backend.close()


def test_a_grader_whose_server_went_away_is_forked_from_a_fresh_one(fork_sandbox, hello: Challenge, monkeypatch):
    from proctor.grading.engine import grader_isolation
    from proctor.grading.grader_fork import GraderForks

    forks = GraderForks(grader_isolation(SETTINGS), SETTINGS.jobs_dir)
    try:
        gone = forks._current()
        gone.close()  # as when another thread retired it between taking it and forking from it
        fresh = forks._current
        handed = iter([gone])
        monkeypatch.setattr(forks, "_current", lambda: next(handed, None) or fresh())
        result = grade(hello, {"app.py": REFERENCE}, backend=fork_sandbox, settings=SETTINGS, grader_forks=forks)
        assert (result.status, result.score) == (RunStatus.GRADED, 100.0)
        assert forks._server is not gone and forks._server is not None and forks._server.started == 1
    finally:
        forks.close()
