"""The process backend: a plain subprocess in a new session with rlimits. It isolates nothing.

Meant for one person practising on their own machine without bubblewrap. The app can read and write
whatever the user running Proctor can.
"""

from __future__ import annotations

import logging

from proctor.grading.sandbox import runtime
from proctor.grading.sandbox.base import (
    HARNESS,
    SANDBOX_ENV,
    Pipes,
    SandboxProcess,
    SandboxSpec,
    harness_args,
    rlimits_for,
    spawn,
)
from proctor.grading.sandbox.cgroups import RunCgroup

log = logging.getLogger(__name__)

WARNING = (
    "the 'process' sandbox isolates nothing: the submitted app runs as you, with your files and network. "
    "Use it only for your own code; install bubblewrap for real isolation."
)


class ProcessSandbox:
    name = "process"
    isolates = False

    def available(self) -> str | None:
        return None

    def start(self, spec: SandboxSpec) -> SandboxProcess:
        log.warning(WARNING)
        cgroup = RunCgroup.create(spec.limits, spec.run_id)
        pipes = Pipes.open()
        tmp = spec.work_dir / "tmp"
        tmp.mkdir(exist_ok=True)
        env = {**SANDBOX_ENV, "HOME": str(tmp), "TMPDIR": str(tmp)}
        argv = harness_args(str(runtime.python_of(spec.runtime)), str(HARNESS), spec, pipes,
                            rlimits_for(spec.limits, cgroup))
        return spawn(self.name, argv, spec, pipes, cgroup, cwd=str(spec.src_dir), env=env,
                     app_dir=str(spec.src_dir))
