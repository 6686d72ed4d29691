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
from functools import lru_cache
from pathlib import Path

REQUIREMENTS = Path(__file__).with_name("requirements.txt")
STAMP = ".proctor-requirements.sha256"


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


def _requirements_digest() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


def is_current(runtime: Path) -> bool:
    stamp = runtime / STAMP
    return python_of(runtime).exists() and stamp.is_file() and stamp.read_text().strip() == _requirements_digest()


def check(runtime: Path) -> None:
    if not is_current(runtime):
        raise RuntimeMissing(
            f"the sandbox runtime at {runtime} is missing or out of date; run `proctor sandbox setup` (make does it)"
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


def setup(runtime: Path, uid: int | None, log=print) -> bool:
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
