"""`proctor worker` that dies (os._exit, like a segfault or the OOM killer) on any job whose files contain
POISON: a poison job for tests/web/test_redis_failures.py. Run as `python -m crashing_worker worker ...`."""

from __future__ import annotations

import os
import sys
from typing import Any

from proctor import cli
from proctor.pipeline import remote_worker

POISON = "CRASH-THE-WORKER"
real_grade = remote_worker.grade


def grade_or_die(challenge: Any, files: dict[str, bytes], **kwargs: Any) -> Any:
    if any(POISON.encode() in data for data in files.values()):
        os._exit(70)
    return real_grade(challenge, files, **kwargs)


if __name__ == "__main__":
    remote_worker.grade = grade_or_die  # type: ignore[assignment]
    sys.exit(cli.main(sys.argv[1:]))
