"""What a candidate reads when a hidden test does not pass: the platform's own sentences, and failures cleaned
of pytest's terminal hints and library internals. Used by the grader's plugin (plugin.py); docs/grader-sdk.md.
"""

from __future__ import annotations

import re

CONNECTION_TROUBLE = (
    "The app closed the connection without answering. Did it crash or exit? Its output may say why."
)
REQUEST_TROUBLE = (
    "The grader could not send its next request ({reason}): a value your app answered earlier in this test, "
    "such as a token or an id, may be empty or malformed."
)
SETUP_TROUBLE = "This test could not be set up, so it did not check your app."

# pytest's hints for a terminal user (pytest's own wording, pytest 7 to 9): noise in a candidate's feedback.
_PYTEST_HINTS = re.compile(r"^\s*(Use -v+ to get (more|the full) diff|\.\.\.Full output truncated.*)\s*$")
_VV_SUFFIX = re.compile(r",? use -v+ to show$")


def clean_failure(text: str) -> str:
    """An assertion or exception as a reader wants it: pytest's hints about its own flags and the
    `AssertionError:` / `Failed:` prefixes dropped, the assertion and its explanation kept."""
    lines: list[str] = []
    for line in text.splitlines():
        line = line.rstrip()
        if _PYTEST_HINTS.match(line):
            continue
        line = _VV_SUFFIX.sub("", line)
        if not line.strip() and (not lines or not lines[-1]):
            continue
        lines.append(line if line.strip() else "")
    cleaned = "\n".join(lines).strip()
    for prefix in ("AssertionError: ", "AssertionError", "Failed: "):
        if cleaned.startswith(prefix):
            cleaned = cleaned[len(prefix):].lstrip()
            break
    return cleaned


def short_exception(exc: BaseException) -> str:
    """An exception without its module path: `KeyError: 'id'`, not a library's internals."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
