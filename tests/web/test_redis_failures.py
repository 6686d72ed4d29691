"""Distributed grading when things die (issue 16): real redis-server, real `proctor worker` processes, a real
`proctor serve` web node, real bwrap grading. Each failure ends with exactly one recorded result."""

from __future__ import annotations

import json
import shutil
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import REFERENCE
from redis_servers import RedisServer, WebNode, WorkerProcess, all_done, api_users, submit, wait_until

from proctor.pipeline.jobs_wire import RUNNING_KEY
from proctor.settings import PROJECT_ROOT
from proctor.store import Store, submissions

pytestmark = pytest.mark.slow

# Slow to start, so the grading is surely under way when something is killed; then fully correct.
SLOW_REFERENCE = "import time\ntime.sleep(4)\n" + REFERENCE


def running_on(client: Any, submission_id: int) -> str | None:
    data = client.hget(RUNNING_KEY, str(submission_id))
    return json.loads(data)["worker"] if data else None


def test_worker_killed_mid_grade_is_delivered_again_and_graded_once(data_dir: Path, bwrap: Any) -> None:
    redis_server = RedisServer(data_dir / "redis", aof=False)
    redis_server.start()
    store = Store.open(data_dir / "proctor.db")
    (secret,) = api_users(store, 1)
    web = WebNode(data_dir, redis_server.url)
    first = WorkerProcess(redis_server.url, data_dir, "first")
    second = WorkerProcess(redis_server.url, data_dir, "second")
    client = redis_server.client()
    try:
        web.start()
        first.start()
        submission_id = submit(f"http://127.0.0.1:{web.port}", secret, SLOW_REFERENCE)
        wait_until(lambda: running_on(client, submission_id), what="the first worker to take the job")
        first.kill(signal.SIGKILL)
        second.start()
        wait_until(lambda: all_done(store, [submission_id]), what="the job to be graded by the second worker")
        done = submissions.get(store, submission_id=submission_id)
        assert done is not None and done.result_status == "graded" and done.score == 100.0
        # The same claim, delivered twice by Dramatiq: never sent again by the web node, never recorded twice.
        assert done.attempts == 1
        assert deliveries(client, submission_id) == [2]
        assert f"grading submission {submission_id}" in second.log()
        time.sleep(1)
        assert submissions.get(store, submission_id=submission_id) == done
    finally:
        for p in (first, second):
            p.kill()
        stop_all(web, redis_server, store)


def deliveries(client: Any, submission_id: int) -> list[int]:
    """How often each claim (token) of the submission was delivered to a worker."""
    return [int(client.get(key)) for key in client.scan_iter(f"proctor:deliveries:{submission_id}:*")]


def stop_all(web: WebNode, redis_server: RedisServer, store: Store) -> None:
    if web.proc is not None:
        web.stop(signal.SIGKILL)
    web.log.close()
    redis_server.kill()
    store.close()
