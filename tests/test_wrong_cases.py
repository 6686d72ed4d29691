"""wrong/<case>.patch, wrong/cases.toml and the validate check that each case fails exactly its expected tests.

A quiz pack is graded in the platform's own process, so these checks run for real without a sandbox.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from proctor.grading.packs import Catalog, Challenge, PackError
from proctor.grading.validate import check_pack
from tests.conftest import SETTINGS

SLUG = "quiz-testing"
# Answers async-tests with only one of its two right choices, and validation-status with 400.
PATCH = """--- a/answers.json
+++ b/answers.json
@@ -6,2 +6,2 @@
-  "async-tests": ["a", "b"],
-  "validation-status": "b",
+  "async-tests": ["b"],
+  "validation-status": "a",
"""
CASES = """[validation-is-400]
why = "Believes a failed validation answers 400, and misses one way to test async code."
expect_failing = {expected}

[testclient-is-a-server]
why = "Thinks TestClient starts a server."
expect_failing = ["async-tests", "server-exceptions", "testclient-transport"]
"""


def cases_toml(*expected: str) -> str:
    return CASES.format(expected=list(expected)).replace("'", '"')


def pack_with(tmp_path: Path, catalog: Catalog, files: dict[str, str]) -> Challenge:
    """A copy of the quiz pack whose wrong/ holds one full copy (testclient-is-a-server/) and `files`."""
    source = catalog.get(SLUG)
    shutil.copytree(source.root, tmp_path / "challenges" / SLUG)
    shutil.copytree(source.grader_root, tmp_path / "graders" / SLUG, ignore=shutil.ignore_patterns("wrong"))
    full_copy = tmp_path / "graders" / SLUG / "wrong" / "testclient-is-a-server"
    full_copy.mkdir(parents=True)
    (full_copy / "answers.json").write_bytes(source.wrong_cases()["testclient-is-a-server"].files["answers.json"])
    for rel, text in files.items():
        (tmp_path / "graders" / SLUG / "wrong" / rel).write_text(text)
    return Catalog(tmp_path / "challenges", tmp_path / "graders").get(SLUG)


def test_a_patch_case_is_the_reference_patched_with_its_why_and_expectations(tmp_path, catalog):
    pack = pack_with(tmp_path, catalog, {"validation-is-400.patch": PATCH,
                                         "cases.toml": cases_toml("async-tests", "validation-status")})
    cases = pack.wrong_cases()
    assert sorted(cases) == ["testclient-is-a-server", "validation-is-400"]
    case = cases["validation-is-400"]
    assert case.patch and case.expect_failing == ("async-tests", "validation-status")
    assert case.why.startswith("Believes a failed validation answers 400")
    reference = pack.reference_files()["answers.json"].decode()
    assert case.files["answers.json"].decode() == reference.replace('["a", "b"]', '["b"]').replace(
        '"validation-status": "b"', '"validation-status": "a"')
    assert not cases["testclient-is-a-server"].patch


def test_validate_passes_when_each_case_fails_exactly_its_expected_tests(tmp_path, catalog):
    pack = pack_with(tmp_path, catalog, {"validation-is-400.patch": PATCH,
                                         "cases.toml": cases_toml("async-tests", "validation-status")})
    report = check_pack(pack, backend=None, settings=SETTINGS)
    assert report.problems == []
    assert report.results["wrong/validation-is-400"].score < 100


def test_validate_reports_a_case_that_fails_a_test_it_should_not_and_passes_one_it_should_fail(tmp_path, catalog):
    pack = pack_with(tmp_path, catalog, {"validation-is-400.patch": PATCH,
                                         "cases.toml": cases_toml("validation-status", "lifespan-in-tests")})
    report = check_pack(pack, backend=None, settings=SETTINGS)
    assert report.problems == [
        "wrong/validation-is-400 should fail exactly lifespan-in-tests, validation-status, "
        "but it also failed async-tests and passed lifespan-in-tests"]


def test_validate_reports_an_expected_test_that_does_not_exist(tmp_path, catalog):
    pack = pack_with(tmp_path, catalog, {"validation-is-400.patch": PATCH,
                                         "cases.toml": cases_toml("async-tests", "validation-status", "typo")})
    assert check_pack(pack, backend=None, settings=SETTINGS).problems == [
        "wrong/validation-is-400: expect_failing names typo, which the run has no test of"]


def test_validate_reports_a_patch_that_no_longer_applies_without_grading(tmp_path, catalog):
    pack = pack_with(tmp_path, catalog, {"validation-is-400.patch": PATCH.replace('"b",\n+', '"c",\n+'),
                                         "cases.toml": cases_toml("async-tests")})
    report = check_pack(pack, backend=None, settings=SETTINGS)
    assert report.problems == ["wrong/validation-is-400.patch: answers.json: hunk 1 does not apply: lines 6-7 of the "
                               "reference differ from its context (the reference changed since the patch was made?)"]
    assert report.results == {}


@pytest.mark.parametrize("files, message", [
    ({"validation-is-400.patch": PATCH}, r"wrong/cases.toml has no \[validation-is-400\] entry"),
    ({"cases.toml": '[testclient-is-a-server]\nwhy = "x"\nexpect_failing = ["a"]\n'
                    '[gone]\nwhy = "x"\nexpect_failing = ["a"]\n'}, "describes gone, which is no case"),
    ({"cases.toml": '[testclient-is-a-server]\nwhy = ""\nexpect_failing = []\n'},
     r"\[testclient-is-a-server\]: why: String should have at least 1 character"),
    ({"cases.toml": '[testclient-is-a-server]\nwhy = "x"\nexpect_failing = ["a"]\nwhen = 1\n'}, "when: Extra inputs"),
    ({"cases.toml": "[broken"}, "wrong/cases.toml: "),
    ({"notes.txt": "hi"}, r"wrong/notes.txt: not a case"),
    ({"testclient-is-a-server.patch": PATCH}, "two cases of one name"),
    ({"bad.patch": "--- a/answers.json\n+++ b/answers.json\n@@ -2 +2 @@\n-x\n+y\n",
      "cases.toml": '[bad]\nwhy = "x"\nexpect_failing = ["a"]\n' + CASES.split("\n\n")[1]},
     r"wrong/bad.patch: answers.json: hunk 1 does not"),
])
def test_a_wrong_folder_that_cannot_be_read_is_a_pack_error(tmp_path, catalog, files, message):
    pack = pack_with(tmp_path, catalog, files)
    with pytest.raises(PackError, match=message):
        pack.wrong_cases()


def test_a_patch_that_changes_nothing_is_refused(tmp_path, catalog):
    line = catalog.get(SLUG).reference_files()["answers.json"].decode().splitlines()[1]
    same = f"--- a/answers.json\n+++ b/answers.json\n@@ -2 +2 @@\n-{line}\n+{line}\n"
    pack = pack_with(tmp_path, catalog, {"same.patch": same, "cases.toml": '[same]\nwhy = "x"\nexpect_failing = ["a"]\n'
                                                                 + CASES.split("\n\n")[1]})
    with pytest.raises(PackError, match="changes nothing"):
        pack.wrong_cases()


def test_without_cases_toml_full_copies_need_only_score_below_100(tmp_path, catalog):
    """As a pack authored in the browser: no expectations, so only the old check applies."""
    pack = pack_with(tmp_path, catalog, {})
    assert pack.wrong_cases()["testclient-is-a-server"].expect_failing is None
    assert check_pack(pack, backend=None, settings=SETTINGS).problems == []
