"""The leftover check that ends every run (tests/leftovers.py), and the clean-up of a dead engine's sandboxes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from proctor.grading.sandbox import cgroups
from proctor.settings import PROJECT_ROOT
from tests.leftovers import run_leftovers

INNER_CONFTEST = """
from pathlib import Path

from tests.leftovers import check_session


def pytest_sessionfinish(session):
    check_session(session, Path(__file__).parent / "jobs", grace=0)
"""

INNER_TEST = """
import os
from pathlib import Path

import pytest


@pytest.mark.sandbox
def test_grades_something():
    if os.environ.get("LEAVE"):
        (Path(__file__).parent / "jobs" / f"job-p{os.getpid()}-left-behind").mkdir(parents=True)
"""


def run_inner(tmp_path: Path, *, leave: bool) -> subprocess.CompletedProcess[str]:
    (tmp_path / "conftest.py").write_text(textwrap.dedent(INNER_CONFTEST))
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(INNER_TEST))
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **({"LEAVE": "1"} if leave else {})}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                           "-W", "ignore::pytest.PytestUnknownMarkWarning", str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow  # a pytest run of its own
def test_a_job_directory_left_behind_fails_the_run_that_passed(tmp_path: Path) -> None:
    left = run_inner(tmp_path, leave=True)
    assert left.returncode == pytest.ExitCode.TESTS_FAILED, left.stdout + left.stderr
    assert "1 passed" in left.stdout and "left-behind" in left.stdout


@pytest.mark.slow
def test_a_clean_run_passes(tmp_path: Path) -> None:
    clean = run_inner(tmp_path, leave=False)
    assert clean.returncode == pytest.ExitCode.OK, clean.stdout + clean.stderr


def test_run_cgroups_are_found_in_the_v1_and_the_v2_layout(tmp_path: Path) -> None:
    mine = f"job-p{os.getpid()}-x"
    v2 = tmp_path / "v2" / "proctor" / f"{mine}-abc"
    v1 = tmp_path / "v1" / "pids" / "proctor" / f"{mine}-def"
    others = tmp_path / "v2" / "proctor" / f"job-p{os.getpid() + 1}-x-abc"  # another engine's, still running
    for path in (v2, v1, others):
        path.mkdir(parents=True)
    assert run_leftovers(tmp_path / "no-jobs", cgroup_root=tmp_path / "v2") == [str(v2)]
    assert run_leftovers(tmp_path / "no-jobs", cgroup_root=tmp_path / "v1") == [str(v1)]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can make cgroups (and the engine makes none otherwise)")
def test_sandboxes_of_a_dead_engine_are_collected() -> None:
    dead = 2**22 + 12345  # above pid_max's usual range, so no live process has it
    name = f"job-p{dead}-x-abc"
    if cgroups.is_v2():
        orphan = [cgroups.ROOT / cgroups.GROUP / name]
        orphan[0].parent.mkdir(exist_ok=True)
    else:
        orphan = [cgroups.ROOT / c / cgroups.GROUP / name for c in ("pids", "memory")]
        for path in orphan:
            path.parent.mkdir(exist_ok=True)
    for path in orphan:
        path.mkdir()
    assert cgroups.collect_orphans() >= 1
    assert not any(p.exists() for p in orphan)
