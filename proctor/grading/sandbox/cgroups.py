"""Per-run control groups: memory, process and CPU limits, OOM detection, peak memory, and killing a whole tree.

Works with cgroup v2 (unified) and v1 (one hierarchy per controller). Where the hierarchy is not writable
(an unprivileged user), `RunCgroup.create` returns None and the sandbox falls back to rlimits.
"""

from __future__ import annotations

import os
import re
import signal
import time
import uuid
from pathlib import Path

from proctor.grading.limits import Limits, MiB

ROOT = Path("/sys/fs/cgroup")
GROUP = "proctor"
# cpuacct only counts (the CPU a run used, for its result); cgroup v2 counts in the cpu controller itself.
V1_CONTROLLERS = ("memory", "pids", "cpu", "cpuacct", "freezer")


def _write(path: Path, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def is_v2() -> bool:
    return (ROOT / "cgroup.controllers").is_file()


class RunCgroup:
    """The cgroup(s) one sandboxed run lives in."""

    def __init__(self, dirs: dict[str, Path], v2: bool) -> None:
        self.dirs = dirs
        self.v2 = v2

    @classmethod
    def create(cls, limits: Limits, run_id: str) -> RunCgroup | None:
        if os.geteuid() != 0:
            return None
        name = f"{run_id}-{uuid.uuid4().hex[:6]}"  # run ids carry the engine's pid: see collect_orphans
        try:
            return cls._create_v2(name, limits) if is_v2() else cls._create_v1(name, limits)
        except OSError:
            return None

    @classmethod
    def _create_v2(cls, name: str, limits: Limits) -> RunCgroup:
        parent = ROOT / GROUP
        parent.mkdir(exist_ok=True)
        for level in (ROOT, parent):
            wanted = {"memory", "pids", "cpu"} & set(_read(level / "cgroup.controllers").split())
            _write(level / "cgroup.subtree_control", " ".join(f"+{c}" for c in sorted(wanted)))
        path = parent / name
        path.mkdir()
        group = cls({"unified": path}, v2=True)
        _write(path / "memory.max", str(limits.memory_mib * MiB))
        if (path / "memory.swap.max").exists():
            _write(path / "memory.swap.max", "0")
        _write(path / "pids.max", str(limits.processes))
        if (path / "cpu.max").exists():
            _write(path / "cpu.max", f"{int(limits.cpus * 100000)} 100000")
        return group

    @classmethod
    def _create_v1(cls, name: str, limits: Limits) -> RunCgroup:
        dirs: dict[str, Path] = {}
        for controller in V1_CONTROLLERS:
            base = ROOT / controller
            if not base.is_dir():
                if controller in ("memory", "pids"):
                    raise OSError(f"no {controller} cgroup controller")
                continue
            path = base / GROUP / name
            shared = next((d for d in dirs.values() if d.parent.parent.resolve() == base.resolve()), None)
            if shared is not None:  # co-mounted with another controller (cpu,cpuacct): the same directory
                dirs[controller] = shared
                continue
            path.mkdir(parents=True)
            dirs[controller] = path
        group = cls(dirs, v2=False)
        try:
            mem = dirs["memory"]
            _write(mem / "memory.limit_in_bytes", str(limits.memory_mib * MiB))
            if (mem / "memory.memsw.limit_in_bytes").exists():
                _write(mem / "memory.memsw.limit_in_bytes", str(limits.memory_mib * MiB))
            _write(dirs["pids"] / "pids.max", str(limits.processes))
            if "cpu" in dirs:
                _write(dirs["cpu"] / "cpu.cfs_period_us", "100000")
                _write(dirs["cpu"] / "cpu.cfs_quota_us", str(int(limits.cpus * 100000)))
        except OSError:
            group.remove()
            raise
        return group

    @property
    def procs_files(self) -> list[Path]:
        """Files a process writes its pid to, to join every hierarchy of this run."""
        return [d / "cgroup.procs" for d in dict.fromkeys(self.dirs.values())]  # co-mounted ones once

    def pids(self) -> list[int]:
        source = self.dirs.get("unified") or self.dirs["pids"]
        return [int(p) for p in _read(source / "cgroup.procs").split()]

    def oom_killed(self) -> bool:
        if self.v2:
            events = _read(self.dirs["unified"] / "memory.events")
        else:
            events = _read(self.dirs["memory"] / "memory.oom_control")
        for line in events.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip() not in ("", "0"):
                return True
        return False

    def peak_memory(self) -> int | None:
        name = "memory.peak" if self.v2 else "memory.max_usage_in_bytes"
        value = _read((self.dirs.get("unified") or self.dirs["memory"]) / name).strip()
        return int(value) if value.isdigit() else None

    def cpu_seconds(self) -> float | None:
        """CPU time every process of the run used so far, as the kernel counts it (user and system)."""
        if self.v2:
            for line in _read(self.dirs["unified"] / "cpu.stat").splitlines():
                key, _, value = line.partition(" ")
                if key == "usage_usec" and value.strip().isdigit():
                    return int(value) / 1e6
            return None
        value = _read(self.dirs["cpuacct"] / "cpuacct.usage").strip() if "cpuacct" in self.dirs else ""
        return int(value) / 1e9 if value.isdigit() else None

    def kill_all(self, timeout: float = 5.0) -> bool:
        """SIGKILL every process in the run; True once none is left."""
        if self.v2 and (self.dirs["unified"] / "cgroup.kill").exists():
            _write(self.dirs["unified"] / "cgroup.kill", "1")
        freezer = self.dirs.get("freezer")
        deadline = time.monotonic() + timeout
        while True:
            pids = self.pids()
            if not pids:
                return True
            if freezer:  # frozen processes cannot fork while we kill them
                _try_write(freezer / "freezer.state", "FROZEN")
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if freezer:
                _try_write(freezer / "freezer.state", "THAWED")
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)

    def remove(self) -> bool:
        """Remove the run's cgroups; True when all are gone. Busy until the last process is reaped."""
        deadline = time.monotonic() + 10
        pending = list(self.dirs.values())
        while pending:
            for path in list(pending):
                try:
                    path.rmdir()
                    pending.remove(path)
                except FileNotFoundError:
                    pending.remove(path)
                except OSError:
                    pass
            if not pending:
                return True
            if time.monotonic() > deadline:
                return False
            self.kill_all(timeout=1)
            time.sleep(0.01)
        return True


def _try_write(path: Path, value: str) -> None:
    try:
        _write(path, value)
    except OSError:
        pass


OWNER = re.compile(r"^job-p(\d+)-")


def collect_orphans() -> int:
    """Kill and remove the cgroups of runs whose engine process is gone (a crash, a kill -9). Returns how many.

    Run ids start with `job-p<engine pid>-`, so a run is an orphan exactly when that process no longer exists.
    """
    if os.geteuid() != 0:
        return 0
    parents = [ROOT / GROUP] if is_v2() else [ROOT / c / GROUP for c in V1_CONTROLLERS]
    orphans: dict[str, dict[str, Path]] = {}
    for parent in parents:
        if not parent.is_dir():
            continue
        for path in parent.iterdir():
            match = OWNER.match(path.name)
            if path.is_dir() and match and not _alive(int(match.group(1))):
                key = "unified" if parent.parent == ROOT else parent.parent.name
                orphans.setdefault(path.name, {})[key] = path
    for dirs in orphans.values():
        group = RunCgroup(dirs, v2=is_v2())
        if "pids" in dirs or "unified" in dirs:
            group.kill_all()
        group.remove()
    return len(orphans)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
