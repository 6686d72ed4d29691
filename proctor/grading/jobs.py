"""A run's job directory: the submission's files, written by us, and the socket the app is served on.

Only `src/` is ever shown to the sandbox, read-only. The socket is created and bound here and handed to
the sandbox as a descriptor, so the sandbox needs no writable path on the host at all.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

MAX_SOCKET_PATH = 100


@dataclass
class Job:
    root: Path
    src: Path
    socket_path: Path
    listener: socket.socket

    @property
    def run_id(self) -> str:
        return self.root.name

    @classmethod
    def create(cls, jobs_dir: Path, files: dict[str, bytes] | None = None) -> Job:
        """A fresh job directory and socket; with files, or empty for a sandbox started ahead of its submission."""
        jobs_dir.mkdir(parents=True, exist_ok=True, mode=0o711)
        # The engine's pid in the name lets a later engine tell this job (and its cgroups) is an orphan.
        root = Path(tempfile.mkdtemp(prefix=f"job-p{os.getpid()}-", dir=jobs_dir))
        # Traversable but not listable: the sandbox uid reaches src/ by its exact path only.
        root.chmod(0o711)
        src = root / "src"
        src.mkdir(mode=0o755)
        src.chmod(0o755)
        socket_path = root / "app.sock"
        if len(str(socket_path)) > MAX_SOCKET_PATH:
            shutil.rmtree(root, ignore_errors=True)
            raise OSError(f"the jobs directory {jobs_dir} is too deep for a Unix socket path; set PROCTOR_DATA_DIR")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(socket_path))
        # The grader may run as the unprivileged sandbox uid (grader_process.py); connecting needs write access.
        socket_path.chmod(0o666)
        listener.listen(128)
        job = cls(root, src, socket_path, listener)
        if files:
            job.write_files(files)
        return job

    def write_files(self, files: dict[str, bytes]) -> None:
        for name, data in files.items():
            write_new_file(self.src, name, data)

    def close(self) -> None:
        self.listener.close()
        # rmtree removes symlinks without following them, so whatever is in here cannot redirect it.
        shutil.rmtree(self.root, ignore_errors=True)


def write_new_file(root: Path, name: str, data: bytes) -> None:
    """Create root/name (a checked relative name) without following any link on the way."""
    dir_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        *parents, leaf = name.split("/")
        for part in parents:
            try:
                os.mkdir(part, 0o755, dir_fd=dir_fd)
            except FileExistsError:
                pass
            next_fd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
            os.close(dir_fd)
            dir_fd = next_fd
        fd = os.open(leaf, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=dir_fd)
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    finally:
        os.close(dir_fd)


def collect_orphan_jobs(jobs_dir: Path) -> int:
    """Remove job directories whose engine process is gone. Returns how many."""
    from proctor.grading.sandbox.cgroups import OWNER, _alive

    removed = 0
    if jobs_dir.is_dir():
        for path in jobs_dir.iterdir():
            match = OWNER.match(path.name)
            if match and not _alive(int(match.group(1))):
                shutil.rmtree(path, ignore_errors=True)
                removed += 1
    return removed
