"""What a test run may leave behind on the machine, checked once when the session finishes (tests/conftest.py).

Job directories and cgroups carry the engine's pid (`job-p<pid>-`), so a run finds exactly its own: the
engine ran in this process. Docker containers and volumes carry the `proctor=sandbox` label.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from proctor.grading.sandbox.cgroups import GROUP, ROOT

# Containers are removed just after their results, and the last runs' processes may still be being reaped.
GRACE_SECONDS = 15.0


def wait_until(done: Callable[[], bool], *, seconds: float, poll: float = 0.05) -> bool:
    """Poll until `done()` or the deadline: for tests that wait for another thread or process to act."""
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll)
    return True


def docker_leftovers(label: str = "proctor=sandbox") -> list[str]:
    import docker

    client = docker.from_env()
    # sparse: no inspect per container, which would race with a removal under way
    return ([f"container {c.short_id}" for c in client.containers.list(all=True, sparse=True, filters={"label": label})]
            + [f"volume {v.name}" for v in client.volumes.list(filters={"label": label})])


def run_leftovers(jobs_dir: Path, pid: int | None = None, cgroup_root: Path = ROOT) -> list[str]:
    """This process's job directories and run cgroups, in the v2 layout (<root>/proctor/job-...) and the v1 one
    (<root>/<controller>/proctor/job-...)."""
    mine = f"job-p{pid or os.getpid()}-"
    found = [str(p) for p in jobs_dir.glob(mine + "*")] if jobs_dir.is_dir() else []
    for pattern in (f"{GROUP}/{mine}*", f"*/{GROUP}/{mine}*"):
        found += [str(d) for d in cgroup_root.glob(pattern) if d.is_dir()]
    return found


def leftovers(jobs_dir: Path, *, docker: bool, grace: float = GRACE_SECONDS) -> list[str]:
    """Everything left after the grace period; empty when the run cleaned up after itself."""
    found: list[str] = []

    def clean() -> bool:
        found[:] = run_leftovers(jobs_dir) + (docker_leftovers() if docker else [])
        return not found

    wait_until(clean, seconds=grace, poll=0.2)
    return found


def check_session(session: pytest.Session, jobs_dir: Path, *, grace: float = GRACE_SECONDS) -> list[str]:
    """After a run that graded anything: report what it left behind and make the run fail (its exit status)."""
    if session.exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        return []  # interrupted, or nothing collected: the tests' own runs may still be going
    graded = [item for item in session.items if item.get_closest_marker("sandbox") or item.get_closest_marker("docker")]
    if not graded:
        return []
    # Containers carry no pid: under pytest-xdist another worker's may still be running, so only a lone run
    # (make test) checks them.
    docker = (any(item.get_closest_marker("docker") for item in graded) and "PYTEST_XDIST_WORKER" not in os.environ
              and _docker_reachable())
    found = leftovers(jobs_dir, docker=docker, grace=grace)
    if found:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "the tests left behind: " + ", ".join(found)
        if reporter is not None:
            reporter.write_sep("=", "leftovers", red=True)
            reporter.write_line(message)
        else:
            print(message)
    return found


def _docker_reachable() -> bool:
    try:
        docker_leftovers()
    except Exception:  # noqa: BLE001 - no engine here: the docker tests were skipped
        return False
    return True
