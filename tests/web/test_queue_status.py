"""`proctor queue status` (issue 16 §Operations): depth, running jobs, live workers, the oldest waiting."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import PASSWORD
from redis_servers import RedisServer

from proctor.pipeline.jobs_wire import JOBS_QUEUE, NAMESPACE, RUNNING_KEY, WORKERS_KEY, RunningJob, WorkerSeen
from proctor.pipeline.queue_status import RECENT_GRADINGS, estimate_wait_seconds
from proctor.settings import PROJECT_ROOT
from proctor.store import Store, assessments, invitations, sittings, submissions, users
from proctor.store.passwords import hash_password


def status(data_dir: Path, queue_url: str = "") -> str:
    env = {"PATH": "/usr/bin:/bin", "PROCTOR_DATA_DIR": str(data_dir), "PROCTOR_QUEUE_URL": queue_url}
    done = subprocess.run([sys.executable, "-m", "proctor.cli", "queue", "status"], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_queue_status_embedded_and_redis(data_dir: Path) -> None:
    store = Store.open(data_dir / "proctor.db")
    user = users.create(store, email="q@example.com", password_hash=hash_password(PASSWORD))
    submissions.create(store, user_id=user.id, challenge="hello-route", suite="hidden", files={"app.py": ""})
    with store.write() as conn:
        conn.execute("UPDATE submissions SET created_at = ?", (time.time() - 600,))
    out = status(data_dir)
    assert "mode:     embedded" in out and "depth:    1 waiting" in out
    oldest = re.search(r"oldest:   (\d+) s waiting", out)
    assert oldest and 600 <= int(oldest[1]) < 700

    redis_server = RedisServer(data_dir / "redis", aof=False)
    redis_server.start()
    try:
        client = redis_server.client()
        now = time.time()
        for name, seen in (("box-a:1", now - 5), ("box-b:2", now - 3600)):  # the second one left long ago
            client.hset(WORKERS_KEY, name, WorkerSeen(worker=name, host=name[:5], concurrency=4, backend="docker",
                                                      seen_at=seen).model_dump_json())
        for job_id, worker in ((9, "box-a:1"), (8, "box-b:2")):
            running = RunningJob(submission_id=job_id, worker=worker, started_at=now - 2)
            client.hset(RUNNING_KEY, str(job_id), running.model_dump_json())
        client.rpush(f"{NAMESPACE}:{JOBS_QUEUE}", "m1", "m2")  # two jobs sent, not yet taken
        out = status(data_dir, redis_server.url)
        assert "mode:     redis" in out and "depth:    3 waiting" in out and "running:  1" in out
        assert "workers:  1 seen in the last minute" in out
        assert "box-a:1" in out and "concurrency 4" in out and "docker" in out and "box-b:2" not in out
        assert "submission 9 on box-a:1" in out
        redis_server.kill()
        assert "problem:  Redis unreachable" in status(data_dir, redis_server.url)
    finally:
        redis_server.kill()
        store.close()


def test_estimated_wait_shares_the_queue_among_slots(data_dir: Path) -> None:
    store = Store.open(data_dir / "proctor.db")
    assert estimate_wait_seconds(store, position=3, slots=2) is None  # nothing graded yet: no guess
    user = users.create(store, email="w@example.com", password_hash=hash_password(PASSWORD))
    with store.write() as conn:
        for took in (2.0, 4.0):
            conn.execute("INSERT INTO submissions (user_id, challenge, suite, files, status, created_at, started_at, "
                         "finished_at) VALUES (?, 'hello-route', 'hidden', '{}', 'done', 0, 100, ?)",
                         (user.id, 100 + took))
    assert estimate_wait_seconds(store, position=1, slots=2) == 3.0
    assert estimate_wait_seconds(store, position=5, slots=2) == 3.0 * 3
    store.close()


@pytest.mark.slow
def test_a_web_node_with_a_queue_needs_no_sandbox(data_dir: Path) -> None:
    """It grades nothing itself: no runtime and no Docker engine on this machine, and it still serves, ready."""
    import httpx
    from redis_servers import WebNode

    redis_server = RedisServer(data_dir / "redis", aof=False)
    redis_server.start()
    web = WebNode(data_dir, redis_server.url, PROCTOR_SANDBOX="docker", DOCKER_HOST="unix:///nonexistent.sock")
    web.env["PROCTOR_SANDBOX_RUNTIME"] = str(data_dir / "no-runtime-here")
    try:
        web.start()
        ready = httpx.get(f"http://127.0.0.1:{web.port}/ready")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": "ok", "workers": "ok", "queue": "ok"}
        redis_server.kill()
        down = httpx.get(f"http://127.0.0.1:{web.port}/ready", timeout=30)
        assert down.status_code == 503 and down.json()["checks"]["queue"].startswith("failed")
    finally:
        if web.proc is not None:
            web.stop(15)
        web.log.close()
        redis_server.kill()


@pytest.mark.slow
def test_distributed_mode_keeps_the_fair_order(data_dir: Path, bwrap: object) -> None:
    """The web node decides the order (store/submissions.py NEXT): an assessment's submission goes first, even
    queued last, and a user's backlog waits its turn."""
    from conftest import REFERENCE
    from redis_servers import WebNode, WorkerProcess, all_done, wait_until

    store = Store.open(data_dir / "proctor.db")
    busy = users.create(store, email="busy@example.com", password_hash=hash_password(PASSWORD))
    other = users.create(store, email="other@example.com", password_hash=hash_password(PASSWORD))
    owner = users.create(store, email="i@example.com", password_hash="h", role="interviewer").id
    candidate = users.create(store, email="c@example.com", password_hash="h").id
    assessment = assessments.create(store, owner_id=owner, title="T", intro="", challenges=["hello-route"],
                                    time_limit_minutes=30, opens_at=None, closes_at=None, score_visibility="after")
    invitation, _ = invitations.create(store, assessment_id=assessment.id, email="c@example.com",
                                       lifetime_seconds=3600)
    sitting = sittings.start(store, invitation_id=invitation.id, user_id=candidate, time_limit_seconds=600,
                             closes_at=None)
    with store.write() as conn:  # as the deadline sweep may: several from one user, then one from another
        order = [submissions.insert(conn, user_id=u.id, challenge="hello-route", suite="hidden",
                                    files={"app.py": REFERENCE}, per_minute=None) for u in (busy, busy, busy, other)]
        order.append(submissions.insert(conn, user_id=candidate, challenge="hello-route", suite="hidden",
                                        files={"app.py": REFERENCE}, per_minute=None, sitting_id=sitting.id))
    redis_server = RedisServer(data_dir / "redis", aof=False)
    redis_server.start()
    web = WebNode(data_dir, redis_server.url)
    worker = WorkerProcess(redis_server.url, data_dir, "only")
    try:
        worker.start()  # first, so the web node sees one slot and sends one job at a time
        wait_until(lambda: redis_server.client().hlen(WORKERS_KEY) == 1, what="the worker's heartbeat")
        web.start()
        wait_until(lambda: all_done(store, order), what="all five graded")
        started = sorted(order, key=lambda i: submissions.get(store, submission_id=i).started_at)
        assert started[0] == order[4]  # the assessment's, queued last, was sent first
        assert started.index(order[3]) <= 2  # the other user's went right after, not after the backlog
    finally:
        worker.kill()
        if web.proc is not None:
            web.stop(15)
        web.log.close()
        redis_server.kill()
        store.close()


def test_the_estimate_reads_an_index_not_every_submission(data_dir: Path) -> None:
    store = Store.open(data_dir / "proctor.db")
    plan = " ".join(str(row[3]) for row in store.read().execute(f"EXPLAIN QUERY PLAN {RECENT_GRADINGS}", (50,)))
    store.close()
    assert "submissions_finished" in plan and "TEMP B-TREE" not in plan
