"""Per-run cgroups on a v1 hierarchy laid out in a directory: co-mounted controllers, and the CPU a run used."""

from __future__ import annotations

from pathlib import Path

import pytest

from proctor.grading.limits import Limits
from proctor.grading.sandbox import cgroups


@pytest.fixture
def v1_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("memory", "pids", "freezer", "cpu,cpuacct"):
        (tmp_path / name).mkdir()
    (tmp_path / "cpu").symlink_to("cpu,cpuacct")  # as systemd mounts them
    (tmp_path / "cpuacct").symlink_to("cpu,cpuacct")
    monkeypatch.setattr(cgroups, "ROOT", tmp_path)
    return tmp_path


def test_co_mounted_controllers_share_one_directory(v1_root: Path) -> None:
    group = cgroups.RunCgroup._create_v1("job-p1-x", Limits(cpus=0.5))
    assert group.dirs["cpu"] == group.dirs["cpuacct"]
    assert len(group.procs_files) == 4  # memory, pids, cpu+cpuacct (once), freezer
    assert (group.dirs["cpu"] / "cpu.cfs_quota_us").read_text() == "50000"


def test_the_cpu_a_run_used_is_read_from_cpuacct(v1_root: Path) -> None:
    group = cgroups.RunCgroup._create_v1("job-p1-y", Limits())
    assert group.cpu_seconds() is None  # nothing counted yet
    (group.dirs["cpuacct"] / "cpuacct.usage").write_text("2500000000\n")
    assert group.cpu_seconds() == 2.5


def test_the_cpu_a_run_used_is_read_from_cpu_stat_on_v2(tmp_path: Path) -> None:
    (tmp_path / "cpu.stat").write_text("usage_usec 1250000\nuser_usec 1000000\nsystem_usec 250000\n")
    assert cgroups.RunCgroup({"unified": tmp_path}, v2=True).cpu_seconds() == 1.25
