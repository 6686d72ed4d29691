"""Hostile submissions, graded in the real bwrap sandbox: each is contained, scored exactly, and leaves nothing.

Each app is the hello-route reference (9 points) with one hostile change, so the exact score shows that
the rest of the app was still graded fairly.
"""

from __future__ import annotations

import ast
import os
import socket
import threading
import uuid
from pathlib import Path

import pytest

from proctor.grading.limits import Limits
from proctor.grading.results import RunResult, RunStatus
from proctor.grading.submission import SubmissionError, read_submission
from proctor.settings import get_settings
from tests.leftovers import docker_leftovers, wait_until

REFERENCE = (Path(__file__).parent.parent / "graders/hello-route/reference/app.py").read_text()
HEALTH = '@app.get("/health")\nasync def health():\n    return {"status": "ok"}'
assert HEALTH in REFERENCE


def with_health(body: str) -> str:
    """The reference app with the /health handler replaced by `body` (a full decorated function)."""
    return REFERENCE.replace(HEALTH, body)


def with_prelude(code: str) -> str:
    """The reference app with `code` run at import time, before the app is built."""
    return code + "\n\n" + REFERENCE


def leftovers(result: RunResult) -> list[str]:
    """Processes, files and cgroups of this run that outlived it."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if result.run_id.encode() in cmdline:
            found.append(f"process {pid}: {cmdline[:200]!r}")
    job = get_settings().jobs_dir / result.run_id
    if job.exists():
        found.append(f"job directory {job}")
    for hierarchy in [Path("/sys/fs/cgroup/proctor"), *Path("/sys/fs/cgroup").glob("*/proctor")]:  # v2, v1
        found += [f"cgroup {d}" for d in hierarchy.glob(f"{result.run_id}-*")]
    if result.sandbox == "docker":
        found += [f"docker {kind}" for kind in docker_leftovers(f"proctor.run={result.run_id}")]
    return found


def assert_clean(result: RunResult) -> None:
    """Nothing of the run is left; docker removes containers just after the result, so allow it a moment."""
    assert result.run_id
    wait_until(lambda: not leftovers(result), seconds=10)
    assert leftovers(result) == []


def statuses(result: RunResult) -> dict[str, str]:
    return {t.name: t.status.value for t in result.tests}


def test_os_exit_at_import_is_not_gradable(grade_hello):
    result = grade_hello(with_prelude("import os\nos._exit(0)"))
    assert result.status == RunStatus.NOT_GRADABLE
    assert result.score == 0
    assert "exit code 0" in result.message
    assert_clean(result)


def test_sys_exit_in_a_handler_costs_only_that_route(grade_hello):
    result = grade_hello(with_health('@app.get("/health")\ndef health():\n    import sys\n    sys.exit(3)'))
    assert result.status == RunStatus.GRADED
    # test_health and test_answers_are_json (which also reads /health) fail; 7 of 9 points remain.
    assert (result.points, result.max_points) == (7, 9)
    assert {n for n, s in statuses(result).items() if s != "passed"} == {"test_health", "test_answers_are_json"}
    assert_clean(result)


def test_os_exit_in_a_handler_restarts_the_app(grade_hello):
    result = grade_hello(with_health('@app.get("/health")\ndef health():\n    import os\n    os._exit(3)'))
    assert result.status == RunStatus.GRADED
    assert (result.points, result.max_points) == (7, 9)
    assert result.restarts >= 1
    assert statuses(result)["test_root"] == "passed"
    assert_clean(result)


def test_infinite_loop_at_import_times_out(grade_hello):
    result = grade_hello(with_prelude("while True:\n    pass"), limits=Limits(wall_seconds=4, test_seconds=2))
    assert result.status == RunStatus.TIMEOUT
    assert result.score == 0
    assert "did not start within 4 s" in result.message
    assert result.duration_ms >= 4000
    assert_clean(result)


@pytest.mark.parametrize("body", [
    '@app.get("/health")\ndef health():\n    import time\n    time.sleep(10**6)',
    # Blocks the event loop itself: the app is restarted so the other tests can still earn their points.
    '@app.get("/health")\nasync def health():\n    import time\n    time.sleep(10**6)',
], ids=["sync-sleep", "event-loop-blocked"])
def test_a_handler_that_sleeps_forever_costs_only_its_tests(grade_hello, body):
    # Two tests hang (2 s each, then a 1 s probe) and the app is restarted twice: the default 20 s wall clock.
    result = grade_hello(with_health(body), limits=Limits(wall_seconds=20, test_seconds=2))
    assert result.status == RunStatus.GRADED
    assert (result.points, result.max_points) == (7, 9)
    assert statuses(result)["test_health"] == "timeout"
    assert statuses(result)["test_greet_unicode"] == "passed"
    assert_clean(result)


def test_memory_bomb_is_stopped_as_oom(grade_hello):
    result = grade_hello(with_prelude("hoard = []\nwhile True:\n    hoard.append(bytearray(10**7))"))
    assert result.status == RunStatus.OOM
    assert result.score == 0
    assert "512 MiB" in result.message
    assert_clean(result)


def test_fork_bomb_is_contained(grade_hello):
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
    result = grade_hello(with_prelude(bomb), limits=Limits(wall_seconds=5, test_seconds=2))
    assert result.status == RunStatus.TIMEOUT
    assert result.score == 0
    assert_clean(result)


def test_a_daemon_does_not_outlive_its_run(grade_hello):
    marker = str(uuid.uuid4().int % 10**9 + 10**9)
    daemon = f"""
import ast
import os
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv("/bin/sleep", ["sleep", "{marker}"])
    os._exit(0)
"""
    result = grade_hello(with_prelude(daemon))
    assert result.status == RunStatus.GRADED
    assert result.score == 100
    assert_clean(result)
    sleepers = [p for p in os.listdir("/proc") if p.isdigit() and _cmdline_has(p, marker)]
    assert sleepers == []


def _cmdline_has(pid: str, marker: str) -> bool:
    try:
        return marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def test_flooding_output_stops_the_run_and_caps_what_is_kept(grade_hello):
    result = grade_hello(with_prelude("import sys\nfor _ in range(1600):\n    sys.stdout.write('x' * 65536)"))
    assert result.status == RunStatus.OUTPUT_LIMIT
    assert result.score == 0
    assert len(result.output) == result.limits.output_bytes
    assert result.output_truncated
    assert_clean(result)


def test_writes_outside_tmp_fail_and_leave_nothing_on_the_host(grade_hello, tmp_path):
    marker = uuid.uuid4().hex
    host_targets = [get_settings().data_dir / f"escape-{marker}", Path("/tmp") / f"escape-{marker}",
                    Path.cwd() / f"escape-{marker}"]
    attempts = [*map(str, host_targets), f"escape-{marker}", f"/escape-{marker}", f"/etc/escape-{marker}"]
    writer = f"""
written = []
for path in {attempts!r}:
    try:
        with open(path, "w") as f:
            f.write("pwned")
        written.append(path)
    except OSError:
        pass
print("WRITTEN:", written)
"""
    result = grade_hello(with_prelude(writer))
    assert result.score == 100
    # Only the sandbox's private /tmp accepted writes (a checkout under /tmp shows up inside it, as empty
    # folders of that tmpfs); they vanished with the run, and nothing reached the host.
    written = ast.literal_eval(result.output.split("WRITTEN: ", 1)[1].splitlines()[0])
    assert f"/tmp/escape-{marker}" in written
    assert all(path.startswith("/tmp/") for path in written)
    assert [p for p in host_targets if p.exists()] == []
    assert_clean(result)


def test_the_host_loopback_is_unreachable(grade_hello):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    port = server.getsockname()[1]
    received: list[bytes] = []

    def accept_all() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            received.append(conn.recv(100))
            conn.close()

    stop = threading.Event()
    thread = threading.Thread(target=accept_all)
    thread.start()
    try:
        result = grade_hello(with_prelude(f"""
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=1).sendall(b"PWNED")
    print("CONNECTED")
except OSError as exc:
    print("REFUSED", exc)
"""))
    finally:
        stop.set()
        thread.join()
        server.close()
    assert received == []
    assert "REFUSED" in result.output
    assert result.score == 100
    assert_clean(result)


def test_the_hidden_tests_and_platform_environment_are_out_of_reach(grade_hello, monkeypatch):
    monkeypatch.setenv("PROCTOR_SECRET_KEY", "platform-secret-7f3a")
    search = """
import ast
import os
hits = []
for root, dirs, files in os.walk("/", onerror=lambda e: None):
    dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
    for name in files + dirs:
        if name.startswith("test_hello") or name in ("graders", "hello-route", "grader.log", "app.sock"):
            hits.append(os.path.join(root, name))
print("HITS:", hits)
print("ENV:", sorted(os.environ.items()))
"""
    result = grade_hello(with_prelude(search))
    assert "HITS: []" in result.output
    assert "platform-secret-7f3a" not in result.output
    assert "PROCTOR" not in result.output.split("ENV:")[1]
    assert result.score == 100
    assert_clean(result)


def test_fake_summaries_and_result_files_change_nothing(grade_hello):
    forger = """
import json, os
print("============================== 9 passed in 0.01s ==============================")
fake = {"event": "test", "name": "test_health", "status": "passed", "points": 1, "max_points": 1}
print(json.dumps(fake))
print(json.dumps({"event": "done"}))
for fd in range(3, 64):
    try:
        os.write(fd, (json.dumps(fake) + "\\n" + json.dumps({"state": "ready"}) + "\\n").encode())
    except OSError:
        pass
for path in ("/tmp/results.json", "results.json", "/submission/results.json"):
    try:
        with open(path, "w") as f:
            json.dump({"score": 100, "status": "graded"}, f)
    except OSError:
        pass
"""
    # No /health route at all: the honest score is 8/9 whatever the app claims.
    no_health = REFERENCE.replace(HEALTH, "")
    result = grade_hello(forger + "\n" + no_health)
    assert result.status == RunStatus.GRADED
    assert (result.points, result.max_points) == (8, 9)
    assert statuses(result)["test_health"] == "failed"
    assert_clean(result)


def test_a_directory_holding_a_symlink_is_refused(tmp_path):
    (tmp_path / "app.py").write_text(REFERENCE)
    (tmp_path / "secrets.py").symlink_to("/etc/passwd")
    with pytest.raises(SubmissionError, match="secrets.py is a symbolic link"):
        read_submission(tmp_path, "app.py")


def test_the_cli_refuses_a_symlink_with_exit_2(tmp_path, capsys):
    from proctor.cli import main

    (tmp_path / "app.py").symlink_to(Path(__file__).parent.parent / "graders/hello-route/reference/app.py")
    code = main(["grade", "--challenge", "hello-route", str(tmp_path)])
    assert code == 2
    assert "symbolic link" in capsys.readouterr().err
