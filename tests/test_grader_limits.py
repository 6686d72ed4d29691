"""The grader process (hidden tests, which interviewers write) has limits of its own, whatever the pack: memory,
processes and CPU by a cgroup (or rlimits where cgroups are not writable), and the run's wall clock. Each hostile
suite below is graded for real, under bwrap, and leaves nothing behind."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from proctor.grading.engine import grade, grader_isolation
from proctor.grading.grader_fork import GraderForks
from proctor.grading.grader_process import GraderIsolation, start_grader
from proctor.grading.limits import Limits
from proctor.grading.packs import Challenge, load_challenge
from proctor.grading.pool import WarmPool, _await_line
from proctor.grading.protocol import Idle
from proctor.grading.results import RunResult, RunStatus
from proctor.settings import PROJECT_ROOT, get_settings
from tests.test_hostile import assert_clean

REFERENCE = (PROJECT_ROOT / "graders/hello-route/reference/app.py").read_bytes()
# Room for a slow, shared machine to reach the memory limit before a test's own alarm; the spinning suites only
# ever end by the wall clock, so they get a short one.
LIMITS = Limits(wall_seconds=40, test_seconds=30)
SPIN_LIMITS = Limits(wall_seconds=6, test_seconds=2)

HOARD = '''
def test_hoard(client):
    hoard = []
    for _ in range(150):  # 1.5 GiB, every page written
        hoard.append(b"x" * 10**7)
'''

FORKS = '''
import os
import pytest

def test_forks(client):
    children = 0
    try:
        for _ in range(150):
            if os.fork() == 0:
                os.execv("/bin/sleep", ["sleep", "{marker}"])
            children += 1
    except OSError:
        pytest.fail(f"capped after {{children}} processes")
'''

SPIN_AT_IMPORT = '''
while True:
    pass

def test_never_reached(client):
    pass
'''

SPIN_IN_FIXTURE = '''
import signal
import pytest

@pytest.fixture
def spin():
    signal.signal(signal.SIGALRM, signal.SIG_IGN)  # the per-test alarm cannot stop it: only the wall clock
    while True:
        pass

def test_spins(client, spin):
    pass
'''


def authored(tmp_path: Path, tests: str) -> Challenge:
    challenges, graders = tmp_path / "challenges" / "hostile", tmp_path / "graders" / "hostile"
    challenges.mkdir(parents=True)
    graders.mkdir(parents=True)
    (challenges / "challenge.toml").write_text('slug = "hostile"\ntitle = "Hostile"\nsections = [6]\n'
                                               'difficulty = "easy"\n')
    (graders / "test_hostile_grader.py").write_text(tests)
    for d in (tmp_path, tmp_path / "challenges", tmp_path / "graders", challenges, graders):
        d.chmod(0o755)
    return load_challenge(tmp_path / "challenges", tmp_path / "graders", "hostile")


def graded(challenge: Challenge, bwrap: object, mode: str, limits: Limits = LIMITS) -> RunResult:
    settings = get_settings().model_copy(update={"grader_sandbox": "bwrap", "grader_cgroups": mode != "rlimits"})
    if mode != "fork":
        return grade(challenge, {"app.py": REFERENCE}, backend=bwrap, settings=settings, limits=limits)
    # A grader forked from a warm fork server: the pack counts as the catalog's own, as only those are forked.
    settings = settings.model_copy(update={"graders_dir": challenge.grader_root.parent})
    forks = GraderForks(grader_isolation(settings), settings.jobs_dir)
    try:
        return grade(challenge, {"app.py": REFERENCE}, backend=bwrap, settings=settings, limits=limits,
                     grader_forks=forks)
    finally:
        forks.close()


def grader_cgroups(run_id: str) -> list[Path]:
    return [d for h in Path("/sys/fs/cgroup").glob("*/proctor") for d in h.glob(f"{run_id}-grader-*")]


def processes_with(marker: str) -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            pass
    return found


@pytest.fixture(params=["cgroup", "rlimits", "fork"])
def mode(request: pytest.FixtureRequest) -> str:
    if request.param in ("cgroup", "fork") and os.geteuid() != 0:
        pytest.skip("cgroups need root here; the rlimits run covers this machine")
    return str(request.param)


def test_a_grader_that_allocates_1_5_gib_is_stopped_as_oom(tmp_path, bwrap, mode):
    result = graded(authored(tmp_path, HOARD), bwrap, mode)
    assert result.status == RunStatus.OOM, (result.status, result.message)
    assert "hidden tests used more than the grader's 512 MiB" in result.message
    assert result.score == 0
    assert [t.message for t in result.tests] in ([], ["Not run: the hidden tests ran out of memory."])
    assert_clean(result)


def test_a_grader_that_forks_150_processes_is_capped(tmp_path, bwrap):
    if os.geteuid() != 0:
        pytest.skip("the pids cgroup needs root")
    marker = str(uuid.uuid4().int % 10**9 + 10**9)
    result = graded(authored(tmp_path, FORKS.format(marker=marker)), bwrap, "cgroup")
    assert result.status == RunStatus.GRADED, (result.status, result.message)
    [test] = result.tests
    assert test.status.value == "failed"
    started = int(test.message.split("capped after ")[1].split()[0])
    assert started < 64
    assert_clean(result)
    assert processes_with(marker) == []


@pytest.mark.parametrize("suite", [SPIN_AT_IMPORT, SPIN_IN_FIXTURE], ids=["at-import", "in-a-fixture"])
def test_a_grader_that_spins_forever_ends_by_the_wall_clock(tmp_path, bwrap, mode, suite):
    result = graded(authored(tmp_path, suite), bwrap, mode, SPIN_LIMITS)
    assert result.status == RunStatus.TIMEOUT, (result.status, result.message)
    assert result.score == 0
    if suite is SPIN_AT_IMPORT:
        assert "hidden tests did not load" in result.message
    else:
        assert [t.status.value for t in result.tests] == ["timeout"]
    assert_clean(result)


def test_a_grader_joins_its_cgroup_and_the_teardown_removes_it(tmp_path, bwrap):
    if os.geteuid() != 0:
        pytest.skip("cgroups need root")
    workdir = tmp_path / "job-p1-probe"
    workdir.mkdir()
    grader = start_grader(workdir, warm_up=True, isolation=GraderIsolation("bwrap"))
    assert grader.cgroup is not None
    assert _await_line(grader.events_r, Idle(), time.monotonic() + 60)  # it is up, so it has joined
    assert grader.popen.pid in grader.cgroup.pids()
    limit = (grader.cgroup.dirs.get("unified") or grader.cgroup.dirs["memory"])
    assert (limit / ("memory.max" if grader.cgroup.v2 else "memory.limit_in_bytes")).read_text().strip() == \
        str(512 * 1024 * 1024)
    grader.destroy()
    assert not any(path.exists() for path in grader.cgroup.dirs.values())


def test_pooled_graders_get_the_same_limits(tmp_path, hello, bwrap):
    if os.geteuid() != 0:
        pytest.skip("cgroups need root")
    settings = get_settings()
    pool = WarmPool(bwrap, size=1, jobs_dir=settings.jobs_dir, runtime=settings.runtime_dir,
                    uid=settings.sandbox_uid, gid=settings.sandbox_gid, grader_isolation=GraderIsolation("bwrap"))
    try:
        assert pool.wait_ready(60)
        slot = pool._slots[0]
        run_id = slot.job.root.name
        assert slot.grader.cgroup is not None and slot.grader.popen.pid in slot.grader.cgroup.pids()
        assert grader_cgroups(run_id)
        # test_seconds is the engine's, so the slot still fits; the pack's default (5 s) is short for a slow machine
        result = grade(authored(tmp_path, HOARD), {"app.py": REFERENCE}, backend=bwrap, pool=pool,
                       limits=pool.limits.merged({"test_seconds": 20}),
                       settings=settings.model_copy(update={"grader_sandbox": "bwrap"}))
        assert result.run_id == run_id  # graded in the pre-started slot, by its pre-started grader
        assert result.status == RunStatus.OOM, (result.status, result.message, result.tests)
        assert_clean(result)
        assert pool.wait_ready(60)
        waiting = [d for slot in pool._slots for d in slot.grader.cgroup.dirs.values()]  # type: ignore[union-attr]
        assert waiting
    finally:
        pool.close()
    assert not any(d.exists() for d in waiting)  # closing the pool removes its graders' cgroups


def test_the_cgroup_of_a_grader_whose_server_died_is_collected(tmp_path, bwrap):
    if os.geteuid() != 0:
        pytest.skip("cgroups need root")
    from proctor.grading.sandbox.cgroups import collect_orphans

    workdir = tmp_path / "job-p999999999-crashed"  # no such process: the server that started it is gone
    workdir.mkdir()
    grader = start_grader(workdir, isolation=GraderIsolation("bwrap"))
    assert grader.cgroup is not None
    collect_orphans()  # as a server does at start (another test session on this machine may do it first)
    assert not any(path.exists() for path in grader.cgroup.dirs.values())
    grader.popen.wait()  # killed with its cgroup (or refused to start outside it)
    grader.destroy()
