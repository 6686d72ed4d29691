from __future__ import annotations

import os

import pytest

from proctor.grading.jobs import write_new_file
from proctor.grading.submission import (
    MAX_FILES,
    MAX_TOTAL_BYTES,
    SubmissionError,
    check_files,
    read_submission,
    with_given,
)


def test_a_single_file_becomes_the_challenge_file(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text("app = 1\n")
    assert read_submission(path, "app.py") == {"app.py": b"app = 1\n"}


def test_a_directory_keeps_relative_names_and_skips_caches(tmp_path):
    (tmp_path / "routers").mkdir()
    (tmp_path / "routers" / "users.py").write_text("x = 1\n")
    (tmp_path / "app.py").write_text("y = 2\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0\1")
    assert read_submission(tmp_path, "app.py") == {"app.py": b"y = 2\n", "routers/users.py": b"x = 1\n"}


@pytest.mark.parametrize("name", ["../app.py", "/etc/passwd", "a//b.py", ".env", "a/./b.py", "", "a b.py",
                                  "a/b/c/d/e.py"])
def test_names_must_be_plain_and_relative(name):
    with pytest.raises(SubmissionError, match="plain relative file name|deeper"):
        check_files({name: b"x"})


def test_too_many_files():
    with pytest.raises(SubmissionError, match=f"limit is {MAX_FILES}"):
        check_files({f"m{i}.py": b"" for i in range(MAX_FILES + 1)})


def test_too_many_bytes():
    with pytest.raises(SubmissionError, match="256 KiB"):
        check_files({"app.py": b"#" * (MAX_TOTAL_BYTES + 1)})


def test_non_utf8_code_gets_a_clear_error():
    with pytest.raises(SubmissionError, match=r"app.py is not UTF-8 text \(byte 2\)"):
        check_files({"app.py": b"# \xff\xfe"})


def test_a_name_cannot_be_both_file_and_folder():
    with pytest.raises(SubmissionError, match="both a file and a folder"):
        check_files({"routers": b"", "routers/a.py": b""})


def test_special_files_are_refused(tmp_path):
    os.mkfifo(tmp_path / "app.py")
    with pytest.raises(SubmissionError, match="not a regular file"):
        read_submission(tmp_path, "app.py")


def test_symlinked_subdirectories_are_refused(tmp_path):
    (tmp_path / "app.py").write_text("")
    (tmp_path / "routers").symlink_to("/etc")
    with pytest.raises(SubmissionError, match="routers is a symbolic link"):
        read_submission(tmp_path, "app.py")


def test_given_files_replace_submitted_copies():
    assert with_given({"app.py": b"a", "database.py": b"evil"}, {"database.py": b"real"}) == {
        "app.py": b"a", "database.py": b"real"}


def test_writing_a_job_never_follows_a_planted_link(tmp_path):
    (tmp_path / "routers").symlink_to(tmp_path.parent)
    with pytest.raises(OSError):
        write_new_file(tmp_path, "routers/users.py", b"x")
    assert not (tmp_path.parent / "users.py").exists()
