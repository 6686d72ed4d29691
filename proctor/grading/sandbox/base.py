"""What every sandbox backend provides: start the harness on a job, and kill it with everything it started.

The engine talks to a running sandbox through three pipes, whatever the backend:
- output: the app's stdout and stderr, merged, read by the engine and capped;
- control: one JSON line that tells the waiting harness which module to serve (so a sandbox can be started
  before its submission arrives);
- status: JSON lines from the harness (warm, ready, or why the app could not start).
The app is served on a listening socket the engine created; the harness gets it as an inherited descriptor.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from proctor.grading.limits import Limits
from proctor.grading.sandbox.cgroups import RunCgroup

HARNESS = Path(__file__).resolve().parent.parent / "harness" / "harness.py"

# The environment a submitted app sees: nothing of the platform's.
SANDBOX_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "TMPDIR": "/tmp"}

# Joins the run's cgroups before exec'ing the rest of the command, so nothing escapes the limits even briefly.
JOIN_CGROUPS = 'IFS=:; for f in $1; do echo $$ > "$f" || exit 97; done; shift; exec "$@"'


class SandboxUnavailable(RuntimeError):
    """This backend cannot run here; the message says how to fix that."""



class ProcessHandle(Protocol):
    """What the engine needs of a started process: a subprocess.Popen, or a fork server's child."""

    @property
    def pid(self) -> int: ...

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...


def kill_tree(popen: ProcessHandle, cgroup: RunCgroup | None) -> None:
    """SIGKILL a process started in its own session with everything it started: the session, and every process
    in its cgroup (which also catches one that left the session)."""
    if popen.poll() is None:
        try:
            os.killpg(popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if cgroup:
        cgroup.kill_all()

@dataclass
class SandboxSpec:
    runtime: Path
    src_dir: Path
    work_dir: Path
    listen_fd: int
    limits: Limits
    uid: int = 65534
    gid: int = 65534
    run_id: str = "run"
    socket_path: Path | None = None
    prestart: bool = False  # started ahead of its submission (a warm pool): time to warm up fully


class SandboxProcess(ABC):
    """A started sandbox, whatever the backend. The engine reads `output` and `status` (pipe fds it owns
    the read ends of) and must call `destroy` exactly once."""

    backend: str
    output: int
    status: int

    @abstractmethod
    def send_go(self, module: str, attr: str) -> None:
        """Tell the waiting harness to import and serve the app."""

    @abstractmethod
    def poll(self) -> int | None:
        """The exit code once the sandbox has ended, else None."""

    @abstractmethod
    def kill(self) -> None:
        """Kill everything the sandbox started; idempotent."""

    @abstractmethod
    def destroy(self) -> None:
        """Kill, then release every resource (fds, cgroups, containers)."""

    def oom_killed(self) -> bool:
        return False

    def peak_memory(self) -> int | None:
        return None

    def cpu_seconds(self) -> float | None:
        """CPU its processes used, where a cgroup counts it."""
        return None

    def serving(self) -> bool:
        """Whether the app's socket exists yet (a 'ready' from the app itself may come early)."""
        return True

    def seal(self) -> str | None:
        """Called once the app reports ready: lock down anything the app could still tamper with.
        Returns why the sandbox cannot be trusted to serve, or None."""
        return None


@dataclass
class LocalProcess(SandboxProcess):
    """A sandbox that is a local process tree (bwrap, process)."""

    backend: str
    popen: subprocess.Popen[bytes]
    output: int
    status: int
    control: int
    cgroup: RunCgroup | None
    app_dir: str
    _closed: bool = field(default=False)

    def send_go(self, module: str, attr: str) -> None:
        line = json.dumps({"module": module, "attr": attr, "dir": self.app_dir}) + "\n"
        try:
            os.write(self.control, line.encode())
        except BrokenPipeError:
            pass  # the harness already died; the engine sees it exit

    def poll(self) -> int | None:
        return self.popen.poll()

    def oom_killed(self) -> bool:
        return bool(self.cgroup and self.cgroup.oom_killed())

    def peak_memory(self) -> int | None:
        return self.cgroup.peak_memory() if self.cgroup else None

    def cpu_seconds(self) -> float | None:
        return self.cgroup.cpu_seconds() if self.cgroup else None

    def kill(self) -> None:
        """SIGKILL the whole tree: the pid namespace or session, and every process in the cgroup."""
        kill_tree(self.popen, self.cgroup)
        try:
            self.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()

    def destroy(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.kill()
        for fd in (self.output, self.status, self.control):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.cgroup:
            self.cgroup.remove()


class Sandbox(Protocol):
    name: str
    isolates: bool

    def available(self) -> str | None:
        """None when usable here, else why not and how to fix it."""

    def start(self, spec: SandboxSpec) -> SandboxProcess: ...


def harness_args(python: str, harness: str, spec: SandboxSpec, pipes: Pipes, rlimits: dict[str, int]) -> list[str]:
    return [
        python, "-I", "-B", "-u", harness,
        "--listen-fd", str(spec.listen_fd), "--control-fd", str(pipes.control_r), "--status-fd", str(pipes.status_w),
        "--rlimits", json.dumps(rlimits), "--run-id", spec.run_id, *(["--warm-up"] if spec.prestart else []),
    ]


def rlimits_for(limits: Limits, cgroup: RunCgroup | None) -> dict[str, int]:
    """Limits the harness applies to itself before importing the app; memory and processes only without cgroups."""
    rl = {
        "cpu": int(limits.wall_seconds) + 1,
        "fsize": limits.tmp_mib * 1024 * 1024,
        "nofile": limits.open_files,
        "core": 0,
    }
    if cgroup is None:
        rl["data"] = limits.memory_mib * 1024 * 1024
        rl["nproc_extra"] = limits.processes
    return rl


@dataclass
class Pipes:
    """The three pipes between the engine and a harness; the harness's ends are inherited by number."""

    output_r: int
    output_w: int
    control_r: int
    control_w: int
    status_r: int
    status_w: int

    @classmethod
    def open(cls) -> Pipes:
        output_r, output_w = os.pipe()
        control_r, control_w = os.pipe()
        status_r, status_w = os.pipe()
        return cls(output_r, output_w, control_r, control_w, status_r, status_w)

    def close_child_ends(self) -> None:
        for fd in (self.output_w, self.control_r, self.status_w):
            os.close(fd)

    def close_all(self) -> None:
        for fd in (self.output_r, self.output_w, self.control_r, self.control_w, self.status_r, self.status_w):
            try:
                os.close(fd)
            except OSError:
                pass


def spawn(backend: str, argv: list[str], spec: SandboxSpec, pipes: Pipes, cgroup: RunCgroup | None, *,
          cwd: str, env: dict[str, str], app_dir: str) -> SandboxProcess:
    """Start argv (already holding the fd numbers) inside the run's cgroup, in a session of its own."""
    if cgroup:
        argv = ["/bin/sh", "-c", JOIN_CGROUPS, "sh", ":".join(map(str, cgroup.procs_files)), *argv]
    try:
        popen = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=pipes.output_w, stderr=pipes.output_w,
            pass_fds=(pipes.control_r, pipes.status_w, spec.listen_fd), cwd=cwd, env=env, start_new_session=True,
        )
    except OSError:
        pipes.close_all()
        if cgroup:
            cgroup.remove()
        raise
    pipes.close_child_ends()
    return LocalProcess(backend, popen, pipes.output_r, pipes.status_r, pipes.control_w, cgroup, app_dir)
