"""The queue in a real browser (issue 16 §Operations): a candidate sees their place and an estimated wait; an
admin follows the nav link to the queue page and sees what `proctor queue status` prints. Real Redis, a real
web node in distributed mode; the worker is only a heartbeat, so jobs stay where the test puts them."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import PASSWORD, REFERENCE
from redis_servers import RedisServer, WebNode, api_users, submit, wait_until
from test_browser import ARTEFACTS, CHROMIUM, FLAGS, require_browser
from test_browser_api import Watched

from proctor.pipeline.jobs_wire import WORKERS_KEY, WorkerSeen
from proctor.store import Store, submissions, users
from proctor.store.passwords import hash_password

pytestmark = pytest.mark.slow


def seed_history(store: Store, seconds: float, count: int = 3) -> None:
    """Finished gradings that took `seconds` each: what the estimate is made of."""
    (secret_user,) = [users.create(store, email="history@example.com", password_hash=hash_password(PASSWORD))]
    t = time.time() - 600
    with store.write() as conn:
        for i in range(count):
            conn.execute("INSERT INTO submissions (user_id, challenge, suite, files, status, created_at, started_at, "
                         "finished_at, result_status, score) VALUES "
                         "(?, 'hello-route', 'hidden', '{}', 'done', ?, ?, ?, 'graded', 100)",
                         (secret_user.id, t + i, t + i, t + i + seconds))


def log_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")


def test_queue_position_wait_and_the_admin_queue_page(data_dir: Path) -> None:
    sync_playwright = require_browser()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    redis_server = RedisServer(data_dir / "redis", aof=False)
    redis_server.start()
    store = Store.open(data_dir / "proctor.db")
    users.create(store, email="admin@example.com", password_hash=hash_password(PASSWORD), role="admin")
    first, second = api_users(store, 2)
    seed_history(store, seconds=4.0)
    client = redis_server.client()
    worker = WorkerSeen(worker="grader-7:4242", host="grader-7", concurrency=1, backend="bwrap", seen_at=time.time())
    client.hset(WORKERS_KEY, worker.worker, worker.model_dump_json())
    web = WebNode(data_dir, redis_server.url)
    try:
        web.start()
        base = f"http://127.0.0.1:{web.port}"
        sent = submit(base, first, REFERENCE)
        wait_until(lambda: submissions.get(store, submission_id=sent).status == "running", what="the first job sent")
        waiting = submit(base, second, REFERENCE)  # one worker slot, taken: this one waits in the database
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            watched = Watched(browser.new_context(viewport={"width": 1280, "height": 900}).new_page())
            page = watched.page
            log_in(page, base, "u1@example.com")
            page.goto(f"{base}/submissions/{waiting}")
            assert page.locator("#queue-position").inner_text() == "1"
            # One grading ahead of nothing, on one slot, at 4 s a grading.
            assert page.locator("#queue-wait").inner_text() == "about 4 s"
            assert page.get_by_role("link", name="Queue").count() == 0  # candidates have no queue page
            cookies = {c["name"]: c["value"] for c in page.context.cookies()}
            assert httpx.get(f"{base}/admin/queue", cookies=cookies).status_code == 403

            page.get_by_role("button", name="Log out").click()
            log_in(page, base, "admin@example.com")
            page.get_by_role("link", name="Queue").click()
            page.wait_for_url(f"{base}/admin/queue")
            assert "Redis" in page.locator("#queue-mode").inner_text()
            assert page.locator("#queue-depth").inner_text() == "2"  # one in the database, one sent, not taken
            row = page.locator("#queue-workers tr[data-worker='grader-7:4242'] td")
            assert row.all_inner_texts()[:3] == ["grader-7:4242", "1", "bwrap"]
            assert page.locator("#queue-oldest").inner_text().endswith("ago")
            page.set_viewport_size({"width": 390, "height": 844})
            assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
            page.screenshot(path=str(ARTEFACTS / "browser-admin-queue-390.png"), full_page=True)
            assert watched.problems == []
            browser.close()
    finally:
        if web.proc is not None:
            web.stop(signal.SIGTERM)
        web.log.close()
        redis_server.kill()
        store.close()
