"""A unified diff between two submissions' files, as lines that templates/_diff.html colours (every page
that shows a diff includes that one partial)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "del", "hunk", "file" or "same"
    text: str


def diff_files(before: dict[str, str], after: dict[str, str]) -> list[DiffLine]:
    lines: list[DiffLine] = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name, ""), after.get(name, "")
        if old == new:
            continue
        for line in difflib.unified_diff(old.splitlines(), new.splitlines(), f"a/{name}", f"b/{name}", lineterm=""):
            if line.startswith(("---", "+++")):
                kind = "file"
            elif line.startswith("@@"):
                kind = "hunk"
            elif line.startswith("+"):
                kind = "add"
            elif line.startswith("-"):
                kind = "del"
            else:
                kind = "same"
            lines.append(DiffLine(kind, line))
    return lines
