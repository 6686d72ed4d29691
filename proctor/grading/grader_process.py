"""Starting the trusted grader process (grading/grader.py), which may wait, warm, for its job.

Grader code is trusted not to cheat, but not with the platform's secrets: interviewers write graders in the
browser. So where bubblewrap works, the grader runs in namespaces of its own, as the unprivileged sandbox uid,
seeing only the system's libraries, the platform's Python environment and the `proctor` package, read-only,
and a private /tmp. It has no network and no path to the app: the engine sends the test files over its control
socket, and hands it the app's socket as a descriptor (SCM_RIGHTS) when the app is ready.

Hidden tests are code too, so a grader also has limits of its own, whatever the pack: a cgroup (memory, pids,
CPU) where the hierarchy is writable, else rlimits it applies to itself before importing pytest; the run's wall
clock (grading/supervisor.py) ends a grader that hangs or spins.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from proctor.grading.limits import Limits
from proctor.grading.sandbox.base import JOIN_CGROUPS, ProcessHandle, kill_tree, rlimits_for
from proctor.grading.sandbox.cgroups import RunCgroup

log = logging.getLogger("proctor.grading")

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the `proctor` package, which the grader imports
GRADER_TMP_BYTES = 64 * 1024 * 1024
# What one grader may use, whatever the pack (docs/security.md). wall_seconds only sets RLIMIT_CPU, a backstop:
# the run's own wall clock is shorter. tmp_mib also caps its log (RLIMIT_FSIZE).
GRADER_LIMITS = Limits(memory_mib=512, processes=64, cpus=1.0, wall_seconds=600, tmp_mib=64)
# None of the platform's environment; no third-party pytest plugins (they cost startup and trust).
GRADER_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


@dataclass(frozen=True)
class GraderIsolation:
    """How graders run: "bwrap" (namespaces, only the venv and the package, as uid:gid) or "none"; within
    `limits` (memory, processes, CPU), by a cgroup when `cgroups` and the hierarchy is writable, else rlimits."""

    mode: Literal["bwrap", "none"]
    uid: int = 65534
    gid: int = 65534
    limits: Limits = GRADER_LIMITS
    cgroups: bool = True


@dataclass
class GraderProcess:
    popen: ProcessHandle
    control: socket.socket  # our end of its stdin: the spec, "go" (with the app's socket), "restarted"
    events_r: int
    events_fd: int  # the number of the write end in the grader
    log_path: Path
    cgroup: RunCgroup | None = None

    def alive(self) -> bool:
        return self.popen.poll() is None

    def close(self) -> None:
        self.control.close()

    def kill(self) -> None:
        """SIGKILL the grader with everything it started: its session, and every process in its cgroup."""
        kill_tree(self.popen, self.cgroup)

    def oom_killed(self) -> bool:
        return bool(self.cgroup and self.cgroup.oom_killed())

    def cpu_seconds(self) -> float | None:
        return self.cgroup.cpu_seconds() if self.cgroup else None

    def release(self) -> None:
        """Remove its cgroup; after kill, once the grader is reaped."""
        if self.cgroup:
            self.cgroup.remove()

    def destroy(self) -> None:
        """Kill, reap and release everything (a pooled grader that served no run)."""
        self.kill()
        self.popen.wait()
        self.close()
        os.close(self.events_r)
        self.release()


def resolve_isolation(requested: str, *, uid: int = 65534, gid: int = 65534, limits: Limits = GRADER_LIMITS,
                      cgroups: bool = True) -> GraderIsolation:
    """"auto" is bwrap where it works, else none with a warning; "bwrap" must work."""
    if requested == "none":
        return GraderIsolation("none", limits=limits, cgroups=cgroups)
    problem = _bwrap_problem()
    if problem is None:
        return GraderIsolation("bwrap", uid, gid, limits, cgroups)
    if requested == "bwrap":
        from proctor.grading.sandbox.base import SandboxUnavailable

        raise SandboxUnavailable(f"PROCTOR_GRADER_SANDBOX=bwrap, but graders cannot be isolated: {problem}")
    _warn_unisolated(problem)
    return GraderIsolation("none", limits=limits, cgroups=cgroups)


@lru_cache(maxsize=1)
def _warn_unisolated(problem: str) -> None:
    log.warning("graders run without isolation (%s): grader code can read what the server's user can read. "
                "Install bubblewrap before letting interviewers author challenges.", problem)


@lru_cache(maxsize=1)
def _bwrap_problem() -> str | None:
    from proctor.grading.sandbox.bwrap import BwrapSandbox

    return BwrapSandbox().available()


def grader_command(isolation: GraderIsolation, args: list[str], workdir: Path) -> tuple[list[str], str]:
    """The argv that starts the grader module with `args`, and the directory it starts in (as it sees it)."""
    python = [sys.executable, "-I", "-B", "-m", "proctor.grading.grader", *args]
    if isolation.mode == "none":
        return python, str(workdir)
    from proctor.grading.sandbox.bwrap import bwrap_base

    # map_root: the platform's Python may live where the grader's uid cannot reach by path (under /root).
    argv = bwrap_base(isolation.uid, isolation.gid, hostname="grader", map_root=not _readable_by(isolation))
    argv += ["--size", str(GRADER_TMP_BYTES), "--tmpfs", "/tmp"]
    for path in _grader_binds():
        argv += ["--ro-bind", str(path), str(path)]
    argv += ["--remount-ro", "/", "--chdir", "/tmp", "--clearenv"]
    for key, value in {**GRADER_ENV, "HOME": "/tmp", "TMPDIR": "/tmp"}.items():
        argv += ["--setenv", key, value]
    return [*argv, "--", *python], "/"


def _grader_binds() -> list[Path]:
    return [p for p in dict.fromkeys((Path(sys.base_prefix), Path(sys.prefix), PACKAGE_DIR))
            if not str(p).startswith("/usr/")]


@lru_cache(maxsize=4)
def _readable_by(isolation: GraderIsolation) -> bool:
    """Whether isolation's uid can reach everything the grader binds by path, so bwrap can run as that uid."""
    if os.geteuid() != 0:
        return True
    script = " && ".join(f'cd "{p}"' for p in _grader_binds()) or "true"
    done = subprocess.run(["setpriv", f"--reuid={isolation.uid}", f"--regid={isolation.gid}", "--clear-groups",
                           "--", "/bin/sh", "-c", script], capture_output=True, cwd="/", env=GRADER_ENV)
    return done.returncode == 0


def start_grader(workdir: Path, *, warm_up: bool = False, isolation: GraderIsolation | None = None) -> GraderProcess:
    """Start a grader that imports pytest and the SDK, then waits for its spec on stdin.

    With warm_up, it first runs a throwaway session, then reports {"event": "idle"} on its events pipe."""
    isolation = isolation or GraderIsolation("none")
    # Named after the job (job-p<pid>-...), so collect_orphans removes it after a crash like the sandbox's.
    cgroup = RunCgroup.create(isolation.limits, f"{workdir.name}-grader") if isolation.cgroups else None
    events_r, events_w = os.pipe()
    ours, theirs = socket.socketpair()
    log_path = workdir / "grader.log"
    logfile = open(log_path, "wb")
    args = ["--rlimits", json.dumps(rlimits_for(isolation.limits, cgroup))]
    argv, cwd = grader_command(isolation, [*args, *(["--warm-up", str(events_w)] if warm_up else [])], workdir)
    if cgroup:  # joined before exec, so nothing the grader starts escapes the limits even briefly
        argv = ["/bin/sh", "-c", JOIN_CGROUPS, "sh", ":".join(map(str, cgroup.procs_files)), *argv]
    env = {**GRADER_ENV, "HOME": str(workdir)} if isolation.mode == "none" else {}
    try:
        popen = subprocess.Popen(argv, stdin=theirs.fileno(), stdout=logfile, stderr=subprocess.STDOUT,
                                 pass_fds=(events_w,), env=env, cwd=cwd, start_new_session=True)
    except OSError:
        os.close(events_r)
        ours.close()
        if cgroup:
            cgroup.remove()
        raise
    finally:
        os.close(events_w)
        theirs.close()
        logfile.close()
    return GraderProcess(popen, ours, events_r, events_w, log_path, cgroup)


MAX_GRADER_FILES_BYTES = 4 * 1024 * 1024
NOT_FOR_GRADERS = {"reference", "wrong", "__pycache__"}


def grader_files(root: Path) -> dict[str, str]:
    """The text files of a test suite's directory, which the grader gets in its spec: the tests, any conftest.py,
    helpers and data, but not the pack's reference or wrong answers. Links are skipped, never followed."""
    files: dict[str, str] = {}
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in NOT_FOR_GRADERS and not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if name.startswith(".") or path.is_symlink() or not path.is_file():
                continue
            total += path.stat().st_size
            if total > MAX_GRADER_FILES_BYTES:
                raise ValueError(f"the tests in {root} are over {MAX_GRADER_FILES_BYTES // 1024 // 1024} MiB")
            try:
                files[str(path.relative_to(root))] = path.read_text()
            except UnicodeDecodeError:
                continue  # packs are text (docs/challenge-format.md); a binary file is left out
    return files


def reap_peak_rss(popen: ProcessHandle) -> int:
    """Wait for the grader; its peak RSS as far as wait4 sees it (an isolated or forked grader reports its own)."""
    if not isinstance(popen, subprocess.Popen):
        popen.wait()
        return 0
    try:
        _, status, usage = os.wait4(popen.pid, 0)
        popen.returncode = os.waitstatus_to_exitcode(status)
        return usage.ru_maxrss * 1024
    except ChildProcessError:
        popen.wait()
        return 0


def log_tail(path: Path, size: int) -> str:
    """The last `size` bytes of the grader's log, for an infra error's report."""
    try:
        with open(path, "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - size))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""
