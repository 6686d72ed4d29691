"""Hidden tests compiled once in the grader's fork server, so a forked grader does not rewrite them per run.

pytest rewrites the asserts of every test module and conftest.py it imports (parse, rewrite, compile): a few
milliseconds for a small pack, over twenty for a large one, in every forked grader. The engine sends a pack's
tests to the fork server along with the first run that needs them (grader_fork.py); the server compiles them
with pytest's own rewriter before it forks, and its children find the code by the source's digest. The code
object is given the path the child wrote the file to, so tracebacks and assertion messages read the same.

Only the catalog's packs come here (engine.forked_grader): the server never compiles an interviewer's code.
Anything unexpected (a pytest without these functions, a file that does not parse) falls back to pytest's own
path, which gives the same verdict, only later.
"""

from __future__ import annotations

import ast
import fnmatch
import hashlib
import importlib.util
from pathlib import Path
from types import CodeType
from typing import Any

REWRITTEN = ("test_*.py", "*_test.py", "conftest.py")  # pytest's default python_files, and conftests
MAX_BYTES = 48 * 1024  # the fork server reads one message of at most 64 KiB; larger packs take pytest's path

_code: dict[str, CodeType] = {}


def digest(source: bytes) -> str:
    return hashlib.sha256(source).hexdigest()


def rewritten_files(files: dict[str, str]) -> dict[str, str]:
    """The files pytest would rewrite, which are worth compiling ahead."""
    return {name: text for name, text in files.items()
            if any(fnmatch.fnmatch(Path(name).name, pattern) for pattern in REWRITTEN)}


def compile_ahead(files: dict[str, str]) -> None:
    """In the fork server: rewrite and compile each file not compiled yet."""
    from _pytest.assertion.rewrite import rewrite_asserts

    for name, text in files.items():
        source = text.encode()
        key = digest(source)
        if key in _code:
            continue
        try:
            tree = ast.parse(source, filename=name)
            rewrite_asserts(tree, source, name, None)
            _code[key] = compile(tree, name, "exec", dont_inherit=True)
        except Exception:  # noqa: BLE001 - pytest's own path reports the problem in the run
            continue


def _at(code: CodeType, filename: str) -> CodeType:
    consts = tuple(_at(c, filename) if isinstance(c, CodeType) else c for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def use() -> None:
    """In a forked grader, before pytest runs: take compiled code where the server has it."""
    if not _code:
        return
    from _pytest.assertion import rewrite

    original = getattr(rewrite, "_rewrite_test", None)
    if original is None:
        return

    def rewrite_test(fn: Path, config: Any) -> tuple[bytes, CodeType]:
        source = fn.read_bytes()
        code = _code.get(digest(source))
        if code is None:
            return original(fn, config)  # type: ignore[no-any-return]
        return importlib.util.source_hash(source), _at(code, str(fn))

    rewrite._rewrite_test = rewrite_test
