"""A submission's files: read safely, checked against the limits, never following a symlink."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

MAX_FILES = 20
MAX_TOTAL_BYTES = 256 * 1024
MAX_DEPTH = 4
NAME_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
# Left behind by running or editing the code locally; skipped rather than refused.
# Dotfiles a challenge may take (kind "static": the Dockerfile's ignore file); other names start with a letter.
ALLOWED_DOTFILES = {".dockerignore"}
SKIPPED_NAMES = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".DS_Store", ".git", ".venv"}


class SubmissionError(ValueError):
    """A submission that cannot be accepted; the message is shown to its author as is."""


def check_name(name: str) -> str:
    if name in ALLOWED_DOTFILES:
        return name
    parts = name.split("/")
    if not name or len(parts) > MAX_DEPTH or not all(NAME_PART.match(p) for p in parts):
        raise SubmissionError(
            f"{name!r} is not a plain relative file name (letters, digits, '_', '-', '.', up to {MAX_DEPTH} levels)"
        )
    if any(p in ("..", ".") for p in parts):
        raise SubmissionError(f"{name!r} is not a plain relative file name")
    return name


def check_files(files: dict[str, bytes]) -> dict[str, bytes]:
    """Raise SubmissionError unless the files are within the limits and are UTF-8 text."""
    if not files:
        raise SubmissionError("the submission has no files")
    if len(files) > MAX_FILES:
        raise SubmissionError(f"the submission has {len(files)} files; the limit is {MAX_FILES}")
    total = sum(len(data) for data in files.values())
    if total > MAX_TOTAL_BYTES:
        raise SubmissionError(f"the submission is {total} bytes; the limit is {MAX_TOTAL_BYTES // 1024} KiB")
    seen_dirs: set[str] = set()
    for name, data in files.items():
        check_name(name)
        seen_dirs.update("/".join(name.split("/")[:i]) for i in range(1, name.count("/") + 1))
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SubmissionError(f"{name} is not UTF-8 text (byte {exc.start})") from None
    clash = seen_dirs & files.keys()
    if clash:
        raise SubmissionError(f"{sorted(clash)[0]!r} is both a file and a folder")
    return files


def read_submission(path: Path, single_name: str) -> dict[str, bytes]:
    """Read a file (which becomes `single_name`) or a directory of files."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise SubmissionError(f"cannot read {path}: {exc.strerror}") from None
    if stat.S_ISREG(st.st_mode):
        if st.st_size > MAX_TOTAL_BYTES:
            raise SubmissionError(f"{path} is {st.st_size} bytes; the limit is {MAX_TOTAL_BYTES // 1024} KiB")
        return check_files({single_name: path.read_bytes()})
    if not stat.S_ISDIR(st.st_mode):
        raise SubmissionError(f"{path} is neither a file nor a directory")
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        files: dict[str, bytes] = {}
        _read_dir(fd, "", files, depth=1)
    finally:
        os.close(fd)
    return check_files(files)


def _read_dir(dir_fd: int, prefix: str, files: dict[str, bytes], depth: int) -> None:
    with os.scandir(dir_fd) as entries:
        names = sorted((e.name, e) for e in entries)
    for name, entry in names:
        rel = prefix + name
        if name in SKIPPED_NAMES or name.endswith(".pyc"):
            continue
        if entry.is_symlink():
            raise SubmissionError(f"{rel} is a symbolic link; submissions may hold only plain files")
        if entry.is_dir(follow_symlinks=False):
            if depth >= MAX_DEPTH:
                raise SubmissionError(f"{rel} is nested deeper than {MAX_DEPTH} levels")
            sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
            try:
                _read_dir(sub, rel + "/", files, depth + 1)
            finally:
                os.close(sub)
            continue
        if not entry.is_file(follow_symlinks=False):
            raise SubmissionError(f"{rel} is not a regular file")
        check_name(rel)
        if len(files) >= MAX_FILES:
            raise SubmissionError(f"the submission has more than {MAX_FILES} files")
        files[rel] = _read_regular(dir_fd, name, rel)


def _read_regular(dir_fd: int, name: str, rel: str) -> bytes:
    # O_NOFOLLOW|O_NONBLOCK, then fstat: the entry may have been swapped for a link or a FIFO since scandir.
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SubmissionError(f"{rel} is not a regular file")
        chunks, size = [], 0
        while chunk := os.read(fd, 65536):
            size += len(chunk)
            if size > MAX_TOTAL_BYTES:
                raise SubmissionError(f"the submission is over {MAX_TOTAL_BYTES // 1024} KiB")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def with_given(files: dict[str, bytes], given: dict[str, bytes]) -> dict[str, bytes]:
    """The submission with the challenge's given files added; a submitted file of the same name is replaced."""
    return {**files, **given}
