"""Starting a candidate's own test suite (kind = "pytest") in a sandbox of the app side's kind.

The suite is untrusted code, so it runs as a submission does: under bwrap (or as a plain process on the process
backend), as the sandbox uid, with the sandbox runtime's Python (which carries pytest and httpx), a cleared
environment, no network, a private /tmp, and the run's cgroup or rlimits. What it runs is the grader's own
pytest entry point and SDK plugin (grader.py, plugin.py), copied into the job and mounted read-only, so the
candidate's `client` fixture is the hidden graders' one. The app under test runs in a sandbox of its own; the
suite reaches it only through the socket descriptor that "go" brings (grading/supervisor.py), never by a path.

The process looks like a grader process to the supervisor (GraderProcess), plus the pipe of its own output, which the
engine reads and caps like an app's.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from proctor.grading.grader_process import PACKAGE_DIR, GraderProcess
from proctor.grading.jobs import Job
from proctor.grading.limits import Limits
from proctor.grading.sandbox import runtime
from proctor.grading.sandbox.base import JOIN_CGROUPS, SANDBOX_ENV, rlimits_for
from proctor.grading.sandbox.bwrap import bwrap_base
from proctor.grading.sandbox.cgroups import RunCgroup

SUITE_LIB = "/opt/proctor-suite"
# The platform modules the suite's pytest needs, and nothing else of the platform.
LIB_FILES = ("__init__.py", "grading/__init__.py", "grading/grader.py", "grading/grader.ini", "grading/plugin.py",
             "grading/app_clients.py", "grading/reporter.py", "grading/feedback.py", "grading/protocol.py",
             "grading/results.py", "grading/limits.py", "grading/harness/harness.py",
             "grading/harness/forkserver.py", "grading/precompiled.py")
SUITE_ENV = {**SANDBOX_ENV, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
BOOT = ("import sys; sys.path.insert(0, {lib!r}); import runpy; "
        "runpy.run_module('proctor.grading.grader', run_name='__main__', alter_sys=True)")


@dataclass
class SuiteProcess(GraderProcess):
    output: int = -1  # read end of the suite's stdout and stderr

    def destroy(self) -> None:
        super().destroy()
        self.close_output()

    def close_output(self) -> None:
        if self.output >= 0:
            os.close(self.output)
            self.output = -1


def copy_lib(lib: Path) -> Path:
    """The platform files the suite's pytest runs, copied under `lib` for a read-only bind."""
    for name in LIB_FILES:
        target = lib / "proctor" / name
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
        shutil.copyfile(PACKAGE_DIR / name, target)
        target.chmod(0o644)
    for path in [lib, *lib.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)
    return lib


def suite_command(backend: str, *, venv: Path, lib: Path, limits: Limits, cgroup: RunCgroup | None, uid: int,
                  gid: int, tmp: Path, warm_up_fd: int | None = None) -> tuple[list[str], str, dict[str, str]]:
    """argv, working directory and environment of the suite's process."""
    python = str(runtime.python_of(venv))
    rlimits = ["--rlimits", json.dumps(rlimits_for(limits, cgroup))]
    if warm_up_fd is not None:  # a pooled suite: one throwaway session of the platform's own, then "idle"
        rlimits += ["--warm-up", str(warm_up_fd)]
    if backend == "process":  # isolates nothing (sandbox/process.py), like the app it tests
        return ([python, "-I", "-B", "-c", BOOT.format(lib=str(lib)), *rlimits], str(tmp),
                {**SUITE_ENV, "HOME": str(tmp), "TMPDIR": str(tmp)})
    argv = bwrap_base(uid, gid, hostname="sandbox")
    argv += ["--size", str(limits.tmp_mib * 1024 * 1024), "--tmpfs", "/tmp"]
    base = runtime.base_prefix(venv)
    if not str(base).startswith("/usr/"):
        argv += ["--ro-bind", str(base), str(base)]
    argv += ["--ro-bind", str(venv), str(venv), "--ro-bind", str(lib), SUITE_LIB,
             "--remount-ro", "/", "--chdir", "/tmp", "--clearenv"]
    for key, value in SUITE_ENV.items():
        argv += ["--setenv", key, value]
    return [*argv, "--", python, "-I", "-B", "-c", BOOT.format(lib=SUITE_LIB), *rlimits], "/", dict(SUITE_ENV)


def start_suite(job: Job, *, backend: str, venv: Path, limits: Limits, uid: int, gid: int,
                warm_up: bool = False) -> SuiteProcess:
    """Start the suite's pytest, waiting for its spec (the candidate's files) on its control socket. With
    warm_up (a pool), it first runs a throwaway session and reports {"event": "idle"} (grader.py)."""
    lib = copy_lib(job.root / "suite-lib")
    tmp = job.root / "suite-tmp"
    tmp.mkdir(mode=0o700)
    cgroup = RunCgroup.create(limits, f"{job.run_id}-suite")
    events_r, events_w = os.pipe()
    argv, cwd, env = suite_command(backend, venv=venv, lib=lib, limits=limits, cgroup=cgroup, uid=uid, gid=gid,
                                   tmp=tmp, warm_up_fd=events_w if warm_up else None)
    if cgroup:
        argv = ["/bin/sh", "-c", JOIN_CGROUPS, "sh", ":".join(map(str, cgroup.procs_files)), *argv]
    output_r, output_w = os.pipe()
    ours, theirs = socket.socketpair()
    try:
        popen = subprocess.Popen(argv, stdin=theirs.fileno(), stdout=output_w, stderr=output_w, pass_fds=(events_w,),
                                 env=env, cwd=cwd, start_new_session=True)
    except OSError:
        for fd in (events_r, output_r):
            os.close(fd)
        ours.close()
        if cgroup:
            cgroup.remove()
        raise
    finally:
        os.close(events_w)
        os.close(output_w)
        theirs.close()
    return SuiteProcess(popen, ours, events_r, events_w, job.root / "suite.log", cgroup, output=output_r)
