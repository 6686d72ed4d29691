"""The sandbox's own Python environment: a venv holding only what submitted apps may import.

It is separate from the platform's venv so the sandbox sees neither the platform nor its tools, and it must
be readable by the unprivileged sandbox uid, which rules out interpreters under a private home such as
/root/.pyenv. `proctor sandbox setup` builds it from requirements.txt beside this file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

REQUIREMENTS = Path(__file__).with_name("requirements.txt")
STAMP = ".proctor-requirements.sha256"
# Where root keeps the runtime and job directories of a checkout the sandbox uid cannot reach (docs/deployment.md).
SHARED_HOME = Path("/var/lib/proctor/sandbox")


class RuntimeMissing(RuntimeError):
    pass


def python_of(runtime: Path) -> Path:
    return runtime / "bin" / "python"


def base_prefix(runtime: Path) -> Path:
    """The prefix of the interpreter the venv was made from (it holds the standard library)."""
    for line in (runtime / "pyvenv.cfg").read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "home":
            return Path(value.strip()).parent
    raise RuntimeMissing(f"{runtime}/pyvenv.cfg names no home interpreter")


def accessible_to(path: Path, uid: int) -> bool:
    """Whether `uid` (not root) can reach and read path, judging by owner and 'other' bits only."""
    path = path.resolve()
    for part in [*reversed(path.parents), path]:
        st = part.stat()
        if st.st_uid == uid:
            continue
        need = stat.S_IXOTH | (stat.S_IROTH if part == path else 0)
        if st.st_mode & need != need:
            return False
    return True


def traversable_by(path: Path, uid: int) -> bool:
    """Whether `uid` (not root) can pass through every directory down to path, as far as they exist yet."""
    for part in [*reversed(path.parents), path]:
        try:
            st = part.stat()
        except FileNotFoundError:
            return True  # the rest is made by mkdir, which leaves it traversable under the usual umask
        if st.st_uid != uid and not st.st_mode & stat.S_IXOTH:
            return False
    return True


@lru_cache(maxsize=16)
def sandbox_home(data_dir: Path, uid: int) -> Path:
    """The directory holding the sandbox runtime and the job directories: the data dir, unless root runs with a
    data dir the sandbox uid cannot reach (a checkout under /root or a `mktemp -d`); then a directory under
    /var/lib/proctor/sandbox named after the data dir, which `proctor sandbox setup` creates traversable."""
    resolved = data_dir.resolve()
    if os.geteuid() != 0 or traversable_by(resolved, uid):
        return data_dir
    return SHARED_HOME / hashlib.sha256(str(resolved).encode()).hexdigest()[:16]


def make_home(home: Path) -> None:
    """Create a home under /var/lib/proctor/sandbox traversable by the sandbox uid, whatever the umask. Directories
    that exist already keep their mode: an operator's choice is theirs, and `unreachable` reports it."""
    if home.parent == SHARED_HOME:
        for path in (SHARED_HOME.parent, SHARED_HOME, home):
            if not path.exists():
                path.mkdir()
                path.chmod(0o755)


def unreachable(runtime: Path, uid: int) -> str | None:
    """Why the sandbox uid cannot use the runtime, as one line naming the fix, or None."""
    if os.geteuid() != 0 or accessible_to(runtime, uid):
        return None
    blocker = next((p for p in [*reversed(runtime.parents), runtime]
                    if p.exists() and not traversable_by(p, uid)), runtime)
    return (f"the sandbox uid {uid} cannot reach the sandbox runtime at {runtime} ({blocker} is closed to it); "
            "unset PROCTOR_SANDBOX_RUNTIME and run `proctor sandbox setup`, or give that directory o+x")


def _requirements_digest() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


def is_current(runtime: Path) -> bool:
    stamp = runtime / STAMP
    return python_of(runtime).exists() and stamp.is_file() and stamp.read_text().strip() == _requirements_digest()


def check(runtime: Path) -> None:
    if not is_current(runtime):
        raise RuntimeMissing(
            f"the sandbox runtime at {runtime} is missing or out of date; run `proctor sandbox setup` with the same "
            "PROCTOR_DATA_DIR (make does it)"
        )


def _interpreter_for(uid: int | None) -> str:
    """An interpreter ≥ 3.11 whose install the sandbox uid can read."""
    candidates = [Path(getattr(sys, "_base_executable", sys.executable)), Path("/usr/bin/python3")]
    for exe in candidates:
        if not exe.exists():
            continue
        real = exe.resolve()
        if uid is None or (accessible_to(real, uid) and accessible_to(real.parent.parent / "lib", uid)):
            version = subprocess.run(
                [str(real), "-c", "import sys; print(sys.version_info >= (3, 11))"], capture_output=True, text=True
            )
            if version.stdout.strip() == "True":
                return str(real)
    raise RuntimeMissing(
        f"no Python ≥ 3.11 readable by the sandbox uid {uid}; install the OS python3 package "
        "(apt-get install python3) or set PROCTOR_SANDBOX_RUNTIME to a directory it can read"
    )


def setup(runtime: Path, uid: int | None, log: Callable[[str], None] = print) -> bool:
    """Create or update the runtime venv. Returns False when it was already current."""
    if is_current(runtime):
        return False
    interpreter = _interpreter_for(uid)
    if runtime.exists():
        shutil.rmtree(runtime)
    runtime.parent.mkdir(parents=True, exist_ok=True)
    log(f"building the sandbox runtime at {runtime} with {interpreter}")
    subprocess.run([interpreter, "-m", "venv", "--without-pip", str(runtime)], check=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python_of(runtime)), "install", "--quiet",
         "--no-warn-script-location", "-r", str(REQUIREMENTS)],
        check=True,
    )
    os.chmod(runtime, 0o755)
    (runtime / STAMP).write_text(_requirements_digest() + "\n")
    versions.cache_clear()
    return True


@lru_cache
def versions(runtime: Path) -> dict[str, str]:
    """Python and package versions inside the runtime, for reproducing a verdict."""
    found = {}
    for line in (runtime / "pyvenv.cfg").read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            found["python"] = value.strip()
    site = next((runtime / "lib").glob("python3*/site-packages"), None)
    if site:
        for info in site.glob("*.dist-info"):
            name, _, version = info.name[: -len(".dist-info")].rpartition("-")
            found[name.lower().replace("_", "-")] = version
    return dict(sorted(found.items()))
