"""The strict unified-diff applier behind wrong/<case>.patch (proctor/grading/patches.py)."""

from __future__ import annotations

import difflib

import pytest

from proctor.grading.patches import PatchError, apply_patch

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/')\ndef root():\n    return {'ok': True}\n"
REFERENCE = {"app.py": APP.encode(), "routers/items.py": b"ITEMS = []\n"}


def unified(old: str, new: str, path: str = "app.py") -> str:
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        f"a/{path}", f"b/{path}"))


def test_a_clean_patch_gives_the_changed_file_and_keeps_the_others():
    wrong = APP.replace("True", "False")
    assert apply_patch(REFERENCE, unified(APP, wrong)) == {**REFERENCE, "app.py": wrong.encode()}


def test_hunks_at_the_start_and_end_and_a_file_created_and_one_deleted():
    wrong = "# a comment\n" + APP + "\n\n@app.get('/health')\ndef health():\n    return {}\n"
    patch = (unified(APP, wrong) + "--- /dev/null\n+++ b/extra.py\n@@ -0,0 +1,2 @@\n+X = 1\n+Y = 2\n"
             "--- a/routers/items.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-ITEMS = []\n")
    assert apply_patch(REFERENCE, patch) == {"app.py": wrong.encode(), "extra.py": b"X = 1\nY = 2\n"}


def test_git_headers_timestamps_and_a_missing_final_newline_are_understood():
    patch = ("diff --git a/app.py b/app.py\nindex 1234567..89abcde 100644\n"
             "--- a/app.py\t2026-01-01 00:00:00\n+++ b/app.py\t2026-01-01 00:00:01\n"
             "@@ -7,2 +7,2 @@\n def root():\n-    return {'ok': True}\n+    return {'ok': 1}\n"
             "\\ No newline at end of file\n")
    assert apply_patch(REFERENCE, patch)["app.py"] == APP.replace("{'ok': True}\n", "{'ok': 1}").encode()


def test_an_empty_context_line_whose_space_an_editor_stripped_still_applies():
    wrong = APP.replace("app = FastAPI()", "app = FastAPI(title='x')")
    patch = unified(APP, wrong).replace("\n \n", "\n\n")
    assert "\n\n" in patch
    assert apply_patch(REFERENCE, patch)["app.py"] == wrong.encode()


def test_a_patch_whose_context_moved_is_refused_not_fuzzed():
    patch = unified(APP, APP.replace("True", "False"))
    moved = {"app.py": ("# one more line at the top\n" + APP).encode()}
    with pytest.raises(PatchError, match=r"app.py: hunk 1 does not apply"):
        apply_patch(moved, patch)


def test_a_patch_whose_context_changed_is_refused():
    patch = unified(APP, APP.replace("True", "False"))
    changed = {"app.py": APP.replace("def root", "def index").encode()}
    with pytest.raises(PatchError, match="does not apply"):
        apply_patch(changed, patch)


@pytest.mark.parametrize("path", ["../outside.py", "routers/../../outside.py", "/etc/passwd", "./app.py",
                                  "routers//items.py", "routers\\items.py"])
def test_a_path_outside_the_pack_is_refused(path):
    patch = f"--- a/{path}\n+++ b/{path}\n@@ -1 +1 @@\n-ITEMS = []\n+ITEMS = [1]\n"
    with pytest.raises(PatchError, match="not a plain relative path"):
        apply_patch(REFERENCE, patch)


def test_an_absolute_path_without_the_a_prefix_is_refused():
    with pytest.raises(PatchError, match="must start with 'a/'"):
        apply_patch(REFERENCE, "--- /tmp/app.py\n+++ b/app.py\n@@ -1 +1 @@\n-x\n+y\n")


@pytest.mark.parametrize("patch, message", [
    ("", "changes no file"),
    ("hello\n", "expected a '--- a/<path>' header"),
    ("--- a/app.py\n@@ -1 +1 @@\n", "must be followed by a '\\+\\+\\+ ' header"),
    ("--- a/app.py\n+++ b/app.py\n", "has no hunks"),
    ("--- a/app.py\n+++ b/other.py\n@@ -1 +1 @@\n-x\n+y\n", "renames are not supported"),
    ("--- a/app.py\n+++ b/app.py\n@@ -1,2 +1,2 @@\n-from fastapi import FastAPI\n+x\n", "ends early"),
    ("--- a/app.py\n+++ b/app.py\n@@ -1 +1 @@\n-from fastapi import FastAPI\n+x\n+y\n", "expected a '--- a/"),
    ("--- a/app.py\n+++ b/app.py\n@@ one @@\n", "malformed hunk header"),
    ("--- a/missing.py\n+++ b/missing.py\n@@ -1 +1 @@\n-x\n+y\n", "the reference has no such file"),
    ("--- /dev/null\n+++ b/app.py\n@@ -0,0 +1 @@\n+x\n", "already exists"),
    ("--- a/app.py\n+++ b/app.py\n@@ -1 +1 @@\n-from fastapi import FastAPI\n+x\n"
     "--- a/app.py\n+++ b/app.py\n@@ -3 +3 @@\n-app = FastAPI()\n+y\n", "one file in two places"),
])
def test_a_malformed_patch_is_refused_with_what_is_wrong(patch, message):
    with pytest.raises(PatchError, match=message):
        apply_patch(REFERENCE, patch)


def test_overlapping_hunks_are_refused():
    patch = ("--- a/app.py\n+++ b/app.py\n@@ -3,1 +3,1 @@\n-app = FastAPI()\n+app = 1\n"
             "@@ -1,3 +1,3 @@\n from fastapi import FastAPI\n \n-app = FastAPI()\n+app = 2\n")
    with pytest.raises(PatchError, match="before the previous one ended"):
        apply_patch(REFERENCE, patch)


@pytest.mark.parametrize("header", ["@@ -0,1 +0,1 @@\n-x\n+y\n", "@@ -20,0 +21 @@\n+late\n"])
def test_a_hunk_outside_the_file_is_refused(header):
    with pytest.raises(PatchError, match="outside the reference's 8 lines"):
        apply_patch(REFERENCE, "--- a/app.py\n+++ b/app.py\n" + header)


def test_the_input_is_not_changed():
    files = dict(REFERENCE)
    apply_patch(files, unified(APP, APP.replace("True", "False")))
    assert files == REFERENCE
