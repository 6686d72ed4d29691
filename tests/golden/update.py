"""Regenerate the golden verdicts: `.venv/bin/python tests/golden/update.py [SLUG ...]`.

A golden file records, for each case of a pack (reference, starter, wrong/<case>), the run status, the score
and each test's status. tests/test_packs_graded.py grades every case again and compares.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from proctor.grading.packs import default_catalog
from proctor.grading.results import RunResult
from proctor.grading.sandbox import get_backend
from proctor.grading.validate import check_pack
from proctor.settings import get_settings

HERE = Path(__file__).parent
GOLDEN_CASES = lambda label: label == "reference" or label == "starter" or label.startswith("wrong/")


def verdict(result: RunResult) -> dict[str, object]:
    return {"status": result.status.value, "score": result.score,
            "tests": {t.name: t.status.value for t in result.tests}}


def golden_of(results: dict[str, RunResult]) -> dict[str, object]:
    return {label: verdict(r) for label, r in sorted(results.items()) if GOLDEN_CASES(label)}


def path_for(slug: str) -> Path:
    return HERE / f"{slug}.json"


def main(slugs: list[str]) -> int:
    settings = get_settings()  # a script: an edge, like the CLI
    catalog = default_catalog(settings)
    backend = get_backend("bwrap")
    for challenge in [catalog.get(s) for s in slugs] if slugs else catalog.all():
        report = check_pack(challenge, backend=backend, settings=settings)
        if report.problems:
            print(f"{challenge.slug}: not written, the pack has problems: {report.problems}")
            continue
        path_for(challenge.slug).write_text(json.dumps(golden_of(report.results), indent=1, sort_keys=True) + "\n")
        print(f"{challenge.slug}: written")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
