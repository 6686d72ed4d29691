"""Runs after every other test (pytest collects tests/zz_last last): nothing the suite graded is left behind."""

from __future__ import annotations

from pathlib import Path

from proctor.settings import get_settings
from tests.conftest import require_backend
from tests.test_hostile import docker_leftovers


def test_no_proctor_container_or_volume_remains():
    require_backend("docker")
    assert docker_leftovers() == []


def test_no_job_directory_or_cgroup_remains():
    jobs = get_settings().jobs_dir
    assert [p.name for p in jobs.glob("job-*")] == [] if jobs.is_dir() else True
    assert [str(d) for d in Path("/sys/fs/cgroup").glob("*/proctor/job-*")] == []
