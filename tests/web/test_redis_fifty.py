"""Fifty submissions through Redis to two real `proctor worker` processes, one killed mid-run (issue 16).

Correct, wrong and hostile hello-route submissions go in over the API. Every one ends with exactly one recorded
result (the web node logs each recording, and records nothing twice), scored as the embedded engine scores it.
"""

from __future__ import annotations

import re
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import REFERENCE
from redis_servers import RedisServer, WebNode, WorkerProcess, all_done, api_users, submit, wait_until
from test_redis_failures import stop_all

from proctor.grading.engine import grade
from proctor.grading.packs import default_catalog
from proctor.settings import PROJECT_ROOT
from proctor.store import Store, submissions
from tests.conftest import SETTINGS

pytestmark = pytest.mark.slow

HEALTH = '@app.get("/health")\nasync def health():\n    return {"status": "ok"}'
WRONG = {path.parent.name: path.read_text() for path in (PROJECT_ROOT / "graders/hello-route/wrong").glob("*/app.py")}
VARIANTS = {
    "correct": REFERENCE,
    **WRONG,
    "exit-at-import": "import os\nos._exit(0)\n\n" + REFERENCE,
    "sys-exit-in-handler": REFERENCE.replace(HEALTH, '@app.get("/health")\ndef health():\n    import sys; sys.exit(3)'),
    "os-exit-in-handler": REFERENCE.replace(HEALTH, '@app.get("/health")\ndef health():\n    import os; os._exit(3)'),
}
# 50 in all: mostly correct, each wrong and hostile kind several times.
PLAN = ["correct"] * 20 + [name for name in VARIANTS if name != "correct" for _ in range(5)]
PLAN += ["correct"] * (50 - len(PLAN))


def test_fifty_submissions_two_workers_one_killed(data_dir: Path, bwrap: Any) -> None:
    assert len(PLAN) == 50 and HEALTH in REFERENCE
    challenge = default_catalog(SETTINGS).get("hello-route")
    embedded = {name: grade(challenge, {"app.py": code.encode()}, backend=bwrap, settings=SETTINGS)
                for name, code in VARIANTS.items()}
    expected = {name: (r.status.value, r.score) for name, r in embedded.items()}
    assert len({score for _, score in expected.values()}) >= 3  # correct, wrong and hostile differ

    redis_server = RedisServer(data_dir / "redis", aof=False)
    redis_server.start()
    store = Store.open(data_dir / "proctor.db")
    secrets = api_users(store, len(PLAN))
    web = WebNode(data_dir, redis_server.url)
    doomed = WorkerProcess(redis_server.url, data_dir, "doomed")
    survivor = WorkerProcess(redis_server.url, data_dir, "survivor")
    try:
        web.start()
        doomed.start()
        survivor.start()
        base = f"http://127.0.0.1:{web.port}"
        ids = {submit(base, secret, VARIANTS[name]): name for secret, name in zip(secrets, PLAN, strict=True)}
        wait_until(lambda: submissions.status_counts(store).get("done", 0) >= 10, what="ten results")
        assert "grading submission" in doomed.log()
        doomed.kill(signal.SIGKILL)
        wait_until(lambda: all_done(store, list(ids)), seconds=300, what="all fifty results")

        for submission_id, name in ids.items():
            s = submissions.get(store, submission_id=submission_id)
            assert (s.result_status, s.score) == expected[name], (submission_id, name)
            assert s.result is not None and s.result["status"] == expected[name][0]
        web.stop(signal.SIGTERM)
        log = (data_dir / "server.log").read_text()
        recorded = Counter(int(m) for m in re.findall(r"submission (\d+) graded by", log))
        assert recorded == Counter(ids.keys())  # each exactly once
    finally:
        for p in (doomed, survivor):
            p.kill()
        stop_all(web, redis_server, store)
