"""Applying a unified diff to a set of files, strictly: every hunk where it says, every line as it says.

    files = apply_patch(reference_files, patch_text)   # raises PatchError with the file and line at fault

A pack's small mistakes are stored as `graders/<slug>/wrong/<case>.patch` against its reference
(docs/challenge-format.md). Unlike `patch`, nothing is guessed: no fuzz, no offsets, no reversed patches, no
paths outside the pack, so a reference edit that moves a patched line is reported, not silently misapplied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DEV_NULL = "/dev/null"
HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
# Lines git writes between files; anything else outside a hunk is a mistake in the patch.
GIT_HEADER = ("diff --git ", "index ", "new file mode ", "deleted file mode ")
NO_NEWLINE = "\\ No newline at end of file"


class PatchError(ValueError):
    """A patch that is malformed, names a path it may not, or does not apply exactly."""


@dataclass
class Hunk:
    old_start: int
    old: list[str] = field(default_factory=list)  # lines with their "\n", except a last line without one
    new: list[str] = field(default_factory=list)


@dataclass
class FilePatch:
    old_path: str | None  # None: the file is created
    new_path: str | None  # None: the file is deleted
    hunks: list[Hunk] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""


def lines_of(text: str) -> list[str]:
    """Split on "\n" only (str.splitlines would also split on form feeds and other separators)."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    return lines + [parts[-1]] if parts[-1] else lines


def checked_path(raw: str, prefix: str, where: str) -> str | None:
    name = raw.split("\t", 1)[0].rstrip()
    if name == DEV_NULL:
        return None
    if not name.startswith(prefix):
        raise PatchError(f"{where}: the path {name!r} must start with {prefix!r} (as `diff -u` and git write it)")
    path = name[len(prefix):]
    if not path or path.startswith("/") or "\\" in path or any(p in ("", ".", "..") for p in path.split("/")):
        raise PatchError(f"{where}: the path {path!r} is not a plain relative path inside the pack")
    return path


def parse_patch(text: str) -> list[FilePatch]:
    """The files a unified diff changes, in order; PatchError for anything malformed."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    patches: list[FilePatch] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        where = f"line {i + 1}"
        if line.startswith(GIT_HEADER):
            i += 1
            continue
        if not line.startswith("--- "):
            raise PatchError(f"{where}: expected a '--- a/<path>' header, found {line[:60]!r}")
        if i + 1 >= len(lines) or not lines[i + 1].startswith("+++ "):
            raise PatchError(f"{where}: a '--- ' header must be followed by a '+++ ' header")
        old_path = checked_path(line[4:], "a/", where)
        new_path = checked_path(lines[i + 1][4:], "b/", f"line {i + 2}")
        if old_path is None and new_path is None:
            raise PatchError(f"{where}: both sides are {DEV_NULL}")
        if old_path is not None and new_path is not None and old_path != new_path:
            raise PatchError(f"{where}: renames are not supported ({old_path!r} to {new_path!r})")
        patch = FilePatch(old_path, new_path)
        i += 2
        while i < len(lines) and lines[i].startswith("@@"):
            hunk, i = parse_hunk(lines, i)
            patch.hunks.append(hunk)
        if not patch.hunks:
            raise PatchError(f"{where}: {patch.path!r} has no hunks")
        patches.append(patch)
    if not patches:
        raise PatchError("the patch changes no file")
    paths = [p.path for p in patches]
    if len(set(paths)) != len(paths):
        raise PatchError("the patch changes one file in two places; make it one section per file")
    return patches


def parse_hunk(lines: list[str], i: int) -> tuple[Hunk, int]:
    """One hunk starting at lines[i]; the hunk and the index after it. Its header's counts must match."""
    match = HUNK.match(lines[i])
    if not match:
        raise PatchError(f"line {i + 1}: malformed hunk header {lines[i][:60]!r}")
    old_start, old_count = int(match[1]), int(match[2] if match[2] is not None else 1)
    new_count = int(match[4] if match[4] is not None else 1)
    hunk = Hunk(old_start)
    i += 1
    old_left, new_left = old_count, new_count
    while old_left or new_left:
        if i >= len(lines):
            raise PatchError(f"line {i}: the hunk ends early ({old_left} old and {new_left} new lines missing)")
        line = lines[i]
        # An empty line is an empty context line whose trailing space an editor removed.
        kind, body = (line[0], line[1:] + "\n") if line else (" ", "\n")
        if kind == " " and old_left and new_left:
            hunk.old.append(body)
            hunk.new.append(body)
            old_left, new_left = old_left - 1, new_left - 1
        elif kind == "-" and old_left:
            hunk.old.append(body)
            old_left -= 1
        elif kind == "+" and new_left:
            hunk.new.append(body)
            new_left -= 1
        else:
            raise PatchError(f"line {i + 1}: {line[:60]!r} does not fit the hunk header's line counts")
        i += 1
        if i < len(lines) and lines[i] == NO_NEWLINE:
            side = hunk.new if kind == "+" else hunk.old if kind == "-" else None
            for target in (side,) if side is not None else (hunk.old, hunk.new):
                target[-1] = target[-1].removesuffix("\n")
            i += 1
    return hunk, i


def apply_hunks(original: list[str], hunks: list[Hunk], path: str) -> list[str]:
    out: list[str] = []
    at = 0  # the next original line not yet copied
    for n, hunk in enumerate(hunks, 1):
        # With no old lines, the start names the line after which the new ones go.
        start = hunk.old_start if not hunk.old else hunk.old_start - 1
        if start < 0 or start > len(original):
            raise PatchError(f"{path}: hunk {n} starts at line {hunk.old_start}, outside the reference's "
                             f"{len(original)} lines")
        if start < at:
            raise PatchError(f"{path}: hunk {n} starts at line {hunk.old_start}, before the previous one ended")
        if original[start:start + len(hunk.old)] != hunk.old:
            raise PatchError(f"{path}: hunk {n} does not apply: lines {hunk.old_start}-"
                             f"{hunk.old_start + len(hunk.old) - 1} of the reference differ from its context "
                             "(the reference changed since the patch was made?)")
        out += original[at:start] + hunk.new
        at = start + len(hunk.old)
    return out + original[at:]


def apply_patch(files: dict[str, bytes], text: str) -> dict[str, bytes]:
    """A copy of `files` (relative POSIX path: content) with the unified diff `text` applied exactly."""
    result = dict(files)
    for patch in parse_patch(text):
        if patch.old_path is None:
            if patch.path in result:
                raise PatchError(f"{patch.path}: the patch creates it, but it already exists")
            original: list[str] = []
        else:
            if patch.old_path not in result:
                raise PatchError(f"{patch.old_path}: the patch changes it, but the reference has no such file")
            try:
                original = lines_of(result[patch.old_path].decode("utf-8"))
            except UnicodeDecodeError:
                raise PatchError(f"{patch.old_path}: not UTF-8 text, so it cannot be patched") from None
        changed = "".join(apply_hunks(original, patch.hunks, patch.path))
        if patch.new_path is None:
            if changed:
                raise PatchError(f"{patch.path}: the patch deletes it but leaves lines in it")
            del result[patch.path]
        else:
            result[patch.new_path] = changed.encode("utf-8")
    return result
