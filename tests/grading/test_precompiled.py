"""Tests compiled ahead in the grader's fork server: pytest's rewrite, at the path the child wrote the file to."""

from __future__ import annotations

from pathlib import Path

import pytest
from _pytest.assertion import rewrite

from proctor.grading import precompiled

TESTS = "def test_sum():\n    total = 1 + 1\n    assert total == 3\n"


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(precompiled, "_code", {})
    monkeypatch.setattr(rewrite, "_rewrite_test", rewrite._rewrite_test)  # restored after use() replaced it


def test_only_what_pytest_rewrites_is_compiled_ahead() -> None:
    files = {"test_a.py": "", "sub/conftest.py": "", "helpers.py": "", "b_test.py": "", "data.json": ""}
    assert sorted(precompiled.rewritten_files(files)) == ["b_test.py", "sub/conftest.py", "test_a.py"]


def test_a_child_runs_the_servers_code_with_its_asserts_explained_at_its_own_path(fresh, tmp_path: Path) -> None:
    precompiled.compile_ahead({"test_sum.py": TESTS})
    precompiled.use()
    path = tmp_path / "test_sum.py"
    path.write_text(TESTS)
    _, code = rewrite._rewrite_test(path, None)  # type: ignore[arg-type]
    assert code.co_filename == str(path)
    assert all(c.co_filename == str(path) for c in code.co_consts if hasattr(c, "co_filename"))
    namespace: dict[str, object] = {}
    exec(code, namespace)
    with pytest.raises(AssertionError, match="assert 2 == 3"):
        namespace["test_sum"]()  # type: ignore[operator]


def test_a_file_the_server_never_saw_takes_pytests_own_path(fresh, tmp_path: Path) -> None:
    precompiled.compile_ahead({"test_other.py": "def test_x():\n    assert True\n"})
    precompiled.use()
    path = tmp_path / "test_sum.py"
    path.write_text(TESTS)
    precompiled._code.clear()  # nothing cached for this source now
    _, code = rewrite._rewrite_test(path, None)  # type: ignore[arg-type]
    namespace: dict[str, object] = {}
    exec(code, namespace)
    with pytest.raises(AssertionError, match="assert 2 == 3"):
        namespace["test_sum"]()  # type: ignore[operator]
