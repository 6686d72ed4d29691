"""The trusted grader process: runs a challenge's tests with pytest against the app's socket.

Started by the engine as `python -I -B -m proctor.grading.grader`, with one JSON line on stdin:
{"tests": [paths], "socket": path, "events_fd": n, "test_timeout": s, "message_bytes": n}.
It collects the tests, then waits for "go" on stdin (the app is ready) and reports through the events pipe. It never sees the app's
output, and the app never sees it: the two meet only over HTTP.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

INI = Path(__file__).with_name("grader.ini")


def pytest_args(spec: dict[str, object]) -> list[str]:
    tests = [str(t) for t in spec["tests"]]  # type: ignore[attr-defined]
    root = str(Path(tests[0]).parent)
    return [
        "-q", "-c", str(INI), "--rootdir", root, "--confcutdir", root,
        "-p", "proctor.grading.plugin",
        "--proctor-socket", str(spec["socket"]),
        "--proctor-events-fd", str(spec["events_fd"]),
        "--proctor-test-timeout", str(spec["test_timeout"]),
        "--proctor-message-bytes", str(spec["message_bytes"]),
        "--proctor-control-fd", str(spec["control_fd"]),
        *tests,
    ]


def main() -> int:
    import pytest  # imported before the spec arrives, while the sandbox starts

    from proctor.grading.plugin import read_line

    line = read_line(0)
    if not line:
        return 0
    spec = json.loads(line)
    spec["control_fd"] = os.dup(0)
    sys.dont_write_bytecode = True
    os.chdir(Path(spec["tests"][0]).parent)
    code = pytest.main(pytest_args(spec))
    return int(code) if int(code) in (0, 1) else int(code)


if __name__ == "__main__":
    sys.exit(main())
