"""Starting the trusted grader process (grading/grader.py), which may wait, warm, for its job."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class GraderProcess:
    popen: subprocess.Popen[bytes]
    events_r: int
    events_fd: int  # the number of the write end in the grader
    log_path: Path

    def alive(self) -> bool:
        return self.popen.poll() is None


def start_grader(workdir: Path, *, warm_up: bool = False) -> GraderProcess:
    """Start a grader that imports pytest and the SDK, then waits for its spec on stdin.

    With warm_up, it first runs a throwaway session, then reports {"event": "idle"} on its events pipe."""
    events_r, events_w = os.pipe()
    log_path = workdir / "grader.log"
    log = open(log_path, "wb")
    # None of the platform's environment; no third-party pytest plugins (they cost startup and trust).
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": str(workdir),
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    try:
        popen = subprocess.Popen(
            [sys.executable, "-I", "-B", "-m", "proctor.grading.grader",
             *(["--warm-up", str(events_w)] if warm_up else [])],
            stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, pass_fds=(events_w,),
            env=env, cwd=str(workdir), start_new_session=True,
        )
    except OSError:
        os.close(events_r)
        raise
    finally:
        os.close(events_w)
        log.close()
    return GraderProcess(popen, events_r, events_w, log_path)
