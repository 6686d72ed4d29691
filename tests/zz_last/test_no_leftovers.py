"""Runs after every other test (pytest collects tests/zz_last last): nothing the suite graded is left behind."""

from __future__ import annotations

import os
import time
from pathlib import Path

from proctor.grading.sandbox.cgroups import collect_orphans
from proctor.settings import get_settings
from tests.conftest import require_backend
from tests.test_hostile import docker_leftovers

MINE = f"job-p{os.getpid()}-"  # runs started by this test process (the engine ran in it)


def mine() -> list[str]:
    jobs = get_settings().jobs_dir
    found = [str(p) for p in jobs.glob(MINE + "*")] if jobs.is_dir() else []
    return found + [str(d) for d in Path("/sys/fs/cgroup").glob(f"*/proctor/{MINE}*")]


def test_no_proctor_container_or_volume_remains():
    require_backend("docker")
    deadline = time.monotonic() + 15  # containers are removed just after their results
    while docker_leftovers() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert docker_leftovers() == []


def test_no_job_directory_or_cgroup_remains():
    deadline = time.monotonic() + 10  # the last runs' processes may still be being reaped
    while mine() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert mine() == []


def test_sandboxes_of_a_dead_engine_are_collected(tmp_path):
    if os.geteuid() != 0:
        return
    dead = 2**22 + 12345  # above pid_max's usual range, so no live process has it
    orphan = [Path(f"/sys/fs/cgroup/{c}/proctor/job-p{dead}-x-abc") for c in ("pids", "memory")]
    for path in orphan:
        if path.parent.is_dir():
            path.mkdir()
    assert collect_orphans() >= 1
    assert not any(p.exists() for p in orphan)
