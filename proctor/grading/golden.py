"""A pack's golden verdicts: graders/<slug>/golden.json records, for each case (reference, starter,
wrong/<case>), the run status, the score and each test's status.

The pack tests grade every case again and compare; after changing a pack on purpose, record them anew with
`proctor challenges validate SLUG --write-golden`.
"""

from __future__ import annotations

import json
from typing import Any

from proctor.grading.packs import Challenge
from proctor.grading.results import RunResult

GOLDEN_FILE = "golden.json"


def is_golden_case(label: str) -> bool:
    """The cases a golden file keeps: the reference's repeats and the examples run are checked by validate."""
    return label in ("reference", "starter") or label.startswith("wrong/")


def verdict(result: RunResult) -> dict[str, Any]:
    return {"status": result.status.value, "score": result.score,
            "tests": {t.name: t.status.value for t in result.tests}}


def golden_of(results: dict[str, RunResult]) -> dict[str, Any]:
    return {label: verdict(r) for label, r in sorted(results.items()) if is_golden_case(label)}


def read_golden(challenge: Challenge) -> dict[str, Any] | None:
    path = challenge.grader_root / GOLDEN_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def write_golden(challenge: Challenge, results: dict[str, RunResult]) -> None:
    text = json.dumps(golden_of(results), indent=1, sort_keys=True) + "\n"
    (challenge.grader_root / GOLDEN_FILE).write_text(text, encoding="utf-8")
