"""What each challenge kind is called on the pages (a badge beside the title), and in the API."""

from __future__ import annotations

KIND_LABELS = {"http": "You write the app", "pytest": "You write the tests", "static": "You write a Dockerfile",
               "quiz": "Quiz"}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)
