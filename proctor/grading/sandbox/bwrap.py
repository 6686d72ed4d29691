"""The bubblewrap backend: namespaces, a read-only system, a private /tmp, cgroup or rlimit limits.

Run as root, bwrap is started through setpriv as the unprivileged sandbox uid, so that even inside its user
namespace the app maps to a uid that owns nothing on the host.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

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

SUBMISSION = "/submission"
HARNESS_DIR = "/opt/proctor-harness"
# Read-only files from /etc that Python and glibc look at; nothing else of the host's configuration.
ETC_FILES = ("ld.so.cache", "localtime", "nsswitch.conf", "passwd", "group", "hosts")


@lru_cache
def _bwrap_features() -> frozenset[str]:
    exe = shutil.which("bwrap")
    if not exe:
        return frozenset()
    help_text = subprocess.run([exe, "--help"], capture_output=True, text=True).stdout
    return frozenset(flag for flag in ("--disable-userns", "--size", "--die-with-parent") if flag in help_text)


@lru_cache
def _harness_reachable(uid: int) -> bool:
    return os.geteuid() != 0 or runtime.accessible_to(HARNESS.parent, uid)


def harness_dir(spec: SandboxSpec) -> Path:
    """The harness's directory as the sandbox uid can reach it: in place, or, when root runs a checkout under a
    directory closed to that uid (/root, a `mktemp -d`), a copy in the run's job directory."""
    if _harness_reachable(spec.uid):
        return HARNESS.parent
    copy = spec.work_dir / "harness"
    copy.mkdir(exist_ok=True)
    copy.chmod(0o755)
    shutil.copyfile(HARNESS, copy / HARNESS.name)
    (copy / HARNESS.name).chmod(0o644)
    return copy


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("bin", "sbin", "lib", "lib32", "lib64"):
        path = Path("/") / top
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ETC_FILES:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


def bwrap_base(uid: int, gid: int, *, hostname: str, map_root: bool = False) -> list[str]:
    """bwrap in new namespaces of every kind, with only the system's libraries and a fresh /proc and /dev; the
    caller adds its binds and the command. As root, bwrap is started through setpriv as uid:gid; with map_root it
    runs as root, so it can bind paths uid cannot reach, and uid:gid is only the identity inside, without
    capabilities (the host sees root, confined to what is bound)."""
    argv: list[str] = []
    root = os.geteuid() == 0
    if root and not map_root:
        argv += ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--"]
    argv += ["bwrap", "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session", "--hostname", hostname]
    if root and map_root:
        argv += ["--uid", str(uid), "--gid", str(gid), "--cap-drop", "ALL"]
    if "--disable-userns" in _bwrap_features():
        argv.append("--disable-userns")
    return [*argv, *_system_binds(), "--proc", "/proc", "--dev", "/dev"]


class BwrapSandbox:
    name = "bwrap"
    isolates = True

    def available(self) -> str | None:
        if not shutil.which("bwrap"):
            return "bubblewrap is not installed (apt-get install bubblewrap, dnf install bubblewrap, ...)"
        if "--die-with-parent" not in _bwrap_features():
            return "this bubblewrap is too old; version 0.4 or later is needed"
        return _probe()

    def command(self, spec: SandboxSpec, pipes: Pipes, cgroup: RunCgroup | None) -> list[str]:
        venv = spec.runtime
        python = str(runtime.python_of(venv))
        argv = bwrap_base(spec.uid, spec.gid, hostname="sandbox")
        # The tmpfs comes before the binds, so that a runtime or job living under /tmp on the host stays visible.
        argv += ["--size", str(spec.limits.tmp_mib * 1024 * 1024), "--tmpfs", "/tmp"]
        base = runtime.base_prefix(venv)
        if not str(base).startswith("/usr/"):
            argv += ["--ro-bind", str(base), str(base)]
        argv += ["--ro-bind", str(venv), str(venv),
                 "--ro-bind", str(harness_dir(spec)), HARNESS_DIR,
                 "--ro-bind", str(spec.src_dir), SUBMISSION,
                 # bwrap builds the root on a tmpfs that would otherwise be writable and uncapped.
                 "--remount-ro", "/",
                 "--chdir", SUBMISSION, "--clearenv"]
        for key, value in SANDBOX_ENV.items():
            argv += ["--setenv", key, value]
        argv.append("--")
        argv += harness_args(python, f"{HARNESS_DIR}/{HARNESS.name}", spec, pipes, rlimits_for(spec.limits, cgroup))
        return argv

    def start(self, spec: SandboxSpec) -> SandboxProcess:
        cgroup = RunCgroup.create(spec.limits, spec.run_id)
        pipes = Pipes.open()
        argv = self.command(spec, pipes, cgroup)
        return spawn(self.name, argv, spec, pipes, cgroup, cwd="/", env=dict(SANDBOX_ENV), app_dir=SUBMISSION)


@lru_cache
def _probe() -> str | None:
    """Run `true` in the same kind of sandbox once: namespaces may be disabled even where bwrap is installed."""
    argv = []
    if os.geteuid() == 0:
        argv += ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    argv += ["bwrap", "--unshare-all", "--unshare-user", "--die-with-parent", *_system_binds(), "--", "/bin/true"]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        return f"bubblewrap cannot create its namespaces here: {done.stderr.strip() or done.returncode}"
    return None
