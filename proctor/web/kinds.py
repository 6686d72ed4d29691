"""What each challenge kind is called on the pages (a badge beside the title), and in the API."""

from __future__ import annotations

KIND_LABELS = {"http": "Write the app", "pytest": "Write the tests", "static": "Dockerfile", "quiz": "Quiz"}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)
