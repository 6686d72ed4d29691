"""Every challenge pack, graded for real in bwrap: it validates, and its verdicts match the golden files."""

from __future__ import annotations

import json

import pytest

from proctor.grading.packs import default_catalog
from proctor.grading.validate import check_pack
from tests.golden.update import golden_of, path_for

CHALLENGES = [default_catalog().get(s) for s in default_catalog().slugs()]
SLUGS = [c.slug for c in CHALLENGES if c.kind == "http"]
QUIZ_SLUGS = [c.slug for c in CHALLENGES if c.kind == "quiz"]


@pytest.mark.slow
@pytest.mark.parametrize("slug", SLUGS)
def test_pack_validates_and_matches_its_golden_verdicts(slug, catalog, sandbox):
    challenge = catalog.get(slug)
    # bwrap checks everything; docker must then give the very same verdict for every case (the golden file).
    full = sandbox.name == "bwrap"
    report = check_pack(challenge, backend=sandbox, reference_runs=3 if full else 1, examples=full)
    assert report.problems == []
    golden = path_for(slug)
    assert golden.is_file(), f"no golden verdicts for {slug}: run `.venv/bin/python tests/golden/update.py {slug}`"
    assert golden_of(report.results) == json.loads(golden.read_text())


@pytest.mark.parametrize("slug", QUIZ_SLUGS)
def test_quiz_validates_and_matches_its_golden_verdicts(slug, catalog):
    """A quiz is graded in platform code: no sandbox, so no backend to parametrize over."""
    report = check_pack(catalog.get(slug), backend=None)
    assert report.problems == []
    assert {label for label, r in report.results.items() if r.score == 100} == {
        "reference", "reference #2", "reference #3"}
    assert all(r.sandbox == "none" for r in report.results.values())
    golden = path_for(slug)
    assert golden.is_file(), f"no golden verdicts for {slug}: run `.venv/bin/python tests/golden/update.py {slug}`"
    assert golden_of(report.results) == json.loads(golden.read_text())
