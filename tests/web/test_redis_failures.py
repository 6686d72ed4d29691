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
        # Live progress comes over pub/sub into the database while the worker grades: the tests are known.
        wait_until(lambda: (s := submissions.get(store, submission_id=submission_id)).status == "running"
                   and (s.progress or {}).get("total") == 7, what="live progress from the worker")
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


@pytest.mark.parametrize("aof", [True, False], ids=["aof", "no-aof"])
def test_redis_restarted_with_jobs_queued_loses_nothing(data_dir: Path, bwrap: Any, aof: bool) -> None:
    redis_server = RedisServer(data_dir / "redis", aof=aof)
    redis_server.start()
    store = Store.open(data_dir / "proctor.db")
    secrets = api_users(store, 3)
    web = WebNode(data_dir, redis_server.url)
    worker = WorkerProcess(redis_server.url, data_dir, "only")
    try:
        web.start()
        base = f"http://127.0.0.1:{web.port}"
        ids = [submit(base, secret, REFERENCE) for secret in secrets]
        # No worker yet: the web node has sent one job to Redis, the others wait in the database.
        wait_until(lambda: submissions.status_counts(store).get("running") == 1, what="a job sent to Redis")
        sent = next(s for s in map(lambda i: submissions.get(store, submission_id=i), ids) if s.status == "running")
        redis_server.kill()
        redis_server.start()
        worker.start()
        wait_until(lambda: all_done(store, ids), what="every submission to be graded")
        graded = [submissions.get(store, submission_id=i) for i in ids]
        assert [(s.result_status, s.score) for s in graded] == [("graded", 100.0)] * 3
        again = submissions.get(store, submission_id=sent.id)
        # With AOF the job survived and was graded as sent; without it the web node sent it again.
        assert again.attempts == (1 if aof else 2)
        time.sleep(1)
        assert [submissions.get(store, submission_id=i) for i in ids] == graded
    finally:
        worker.kill()
        stop_all(web, redis_server, store)


def test_results_wait_in_redis_while_the_web_node_is_down(data_dir: Path, bwrap: Any) -> None:
    redis_server = RedisServer(data_dir / "redis", aof=False)
    redis_server.start()
    store = Store.open(data_dir / "proctor.db")
    (secret,) = api_users(store, 1)
    web = WebNode(data_dir, redis_server.url)
    worker = WorkerProcess(redis_server.url, data_dir, "only")
    client = redis_server.client()
    try:
        web.start()
        worker.start()
        submission_id = submit(f"http://127.0.0.1:{web.port}", secret, SLOW_REFERENCE)
        wait_until(lambda: running_on(client, submission_id), what="the worker to take the job")
        web.stop(signal.SIGKILL)
        # The worker finishes while nobody records: the result waits on the results queue.
        wait_until(lambda: running_on(client, submission_id) is None, what="the worker to finish")
        assert submissions.get(store, submission_id=submission_id).status == "running"
        web.start()
        wait_until(lambda: all_done(store, [submission_id]), what="the result to be recorded")
        done = submissions.get(store, submission_id=submission_id)
        assert (done.result_status, done.score, done.attempts) == ("graded", 100.0, 1)
        assert deliveries(client, submission_id) == [1]  # graded once, not sent again
    finally:
        worker.kill()
        stop_all(web, redis_server, store)


def test_poison_job_is_tried_a_bounded_number_of_times_and_blocks_nothing(data_dir: Path, bwrap: Any) -> None:
    redis_server = RedisServer(data_dir / "redis", aof=False)
    redis_server.start()
    store = Store.open(data_dir / "proctor.db")
    poisoner, other = api_users(store, 2)
    web = WebNode(data_dir, redis_server.url)
    worker = WorkerProcess(redis_server.url, data_dir, "crashing", module="crashing_worker",
                           PYTHONPATH=str(Path(__file__).parent), PROCTOR_QUEUE_MAX_DELIVERIES="2")
    try:
        web.start()
        worker.start()
        base = f"http://127.0.0.1:{web.port}"
        poison = submit(base, poisoner, REFERENCE + "\n# CRASH-THE-WORKER\n")
        fine = submit(base, other, REFERENCE)
        crashes = 0

        def settled() -> bool:
            nonlocal crashes
            if worker.proc is not None and worker.proc.poll() is not None:  # a supervisor restarts it
                crashes += 1
                worker.proc = None
                worker.start()
            return all_done(store, [poison, fine])

        wait_until(settled, what="both submissions to settle")
        assert crashes == 2
        failed = submissions.get(store, submission_id=poison)
        assert failed.result_status == "infra_error" and failed.score is None
        assert "stopped a grading worker 2 times" in failed.result["message"]
        graded = submissions.get(store, submission_id=fine)
        assert (graded.result_status, graded.score) == ("graded", 100.0)
    finally:
        worker.kill()
        stop_all(web, redis_server, store)


def test_a_worker_with_another_pack_refuses_and_another_grades(data_dir: Path, bwrap: Any) -> None:
    graders = data_dir / "other-graders"
    shutil.copytree(PROJECT_ROOT / "graders", graders)
    with (graders / "hello-route" / "test_hello_route.py").open("a") as f:
        f.write("\n# another version of the hidden tests\n")
    redis_server = RedisServer(data_dir / "redis", aof=False)
    redis_server.start()
    store = Store.open(data_dir / "proctor.db")
    first, second = api_users(store, 2)
    web = WebNode(data_dir, redis_server.url)
    right = WorkerProcess(redis_server.url, data_dir, "right")
    wrong = WorkerProcess(redis_server.url, data_dir, "wrong", PROCTOR_GRADERS_DIR=str(graders))
    client = redis_server.client()
    try:
        web.start()
        right.start()
        wait_until(lambda: client.hlen("proctor:workers") == 1, what="the right worker to report")
        right.proc.send_signal(signal.SIGSTOP)  # alive but taking nothing, so the wrong one meets the job first
        wrong.start()
        base = f"http://127.0.0.1:{web.port}"
        submission_id = submit(base, first, REFERENCE)
        wait_until(lambda: f"refused submission {submission_id}" in wrong.log(), what="the refusal")
        assert "install the same packs on every machine" in wrong.log()
        right.proc.send_signal(signal.SIGCONT)
        wait_until(lambda: all_done(store, [submission_id]), what="the right worker to grade it")
        done = submissions.get(store, submission_id=submission_id)
        assert (done.result_status, done.score) == ("graded", 100.0)
        assert f"grading submission {submission_id}" in right.log()
        assert f"grading submission {submission_id}" not in wrong.log()

        right.kill(signal.SIGTERM)  # leaves: now no live worker has the pack
        lonely = submit(base, second, REFERENCE)
        wait_until(lambda: all_done(store, [lonely]), what="the refusal to be recorded")
        refused = submissions.get(store, submission_id=lonely)
        assert refused.result_status == "infra_error" and "No grading worker has" in refused.result["message"]
    finally:
        for p in (right, wrong):
            if p.proc is not None:
                p.proc.send_signal(signal.SIGCONT)
            p.kill()
        stop_all(web, redis_server, store)
