"""Every challenge pack, graded for real in bwrap: it validates, and its verdicts match the golden files."""

from __future__ import annotations

import json

import pytest

from proctor.grading.packs import default_catalog
from proctor.grading.validate import check_pack
from tests.golden.update import golden_of, path_for

SLUGS = default_catalog().slugs()


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
