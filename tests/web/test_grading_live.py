"""Grading through the queue: real bwrap runs of hello-route, and the retry rules with a stand-in grader."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import METRICS_AUTH, REFERENCE, Client, make_settings
from fastapi import FastAPI

from proctor.grading.packs import default_catalog
from proctor.grading.protocol import TestMeta, TestsCollected
from proctor.grading.results import RunResult, RunStatus
from proctor.pipeline.worker import Workers
from proctor.store import Store, submissions, users
from proctor.store.database import now
from proctor.store.migrations import MIGRATIONS
from proctor.web.app import create_app
from tests.conftest import SETTINGS
from tests.leftovers import wait_until

pytestmark = pytest.mark.anyio


async def wait_done(client: Client, submission_id: int, seconds: float = 60) -> list[str]:
    """Poll the panel as htmx would; return the phases seen."""
    seen: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = await client.get(f"/submissions/{submission_id}", htmx=True)
        status = response.text.split('data-status="', 1)[1].split('"', 1)[0]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == "done":
            return seen
        await asyncio.sleep(0.2)
    raise AssertionError(f"submission {submission_id} not done after {seconds} s: {seen}")


@pytest.mark.slow
async def test_submit_and_run_examples_with_real_grading(data_dir: Path, bwrap: Any) -> None:
    app = create_app(make_settings(data_dir), start_workers=True)
    async with app.router.lifespan_context(app):
        client = Client(app)
        await client.signup("grader@example.com")
        response = await client.submit(REFERENCE, suite="examples")
        examples_id = int(response.headers["location"].rsplit("/", 1)[1])
        await wait_done(client, examples_id)
        response = await client.submit(REFERENCE)
        submission_id = int(response.headers["location"].rsplit("/", 1)[1])
        phases = await wait_done(client, submission_id)
        assert phases[-1] == "done"
        page = await client.page(f"/submissions/{submission_id}")
        assert page.by_id("final-score").text() == "100"
        assert len(page.find_all("li", class_="test-passed")) == 7

        store = app.state.store
        examples = submissions.get(store, submission_id=examples_id)
        assert examples.result_status == "graded" and examples.score is None  # never a score
        assert examples.result["suite"] == "examples"
        user = users.get_by_email(store, email="grader@example.com")
        assert submissions.best_scores(store, user_id=user.id) == {"hello-route": 100.0}
        metrics = (await client.get("/metrics", headers=METRICS_AUTH)).text
        assert 'proctor_gradings_total{status="graded",suite="hidden"} 1.0' in metrics
        for step in ("grader_start", "app_start", "app_import", "collect", "tests", "teardown"):
            assert f'proctor_grading_step_seconds_count{{step="{step}"}} 2.0' in metrics  # examples and hidden
        registry = app.state.metrics.registry
        if os.geteuid() == 0:  # per-run cgroups count the processes' CPU
            assert registry.get_sample_value("proctor_grading_cpu_seconds_total", {"process": "app"}) > 0
            assert registry.get_sample_value("proctor_grading_cpu_seconds_total", {"process": "grader"}) > 0
        await client.aclose()


def fake_result(status: RunStatus, score: float) -> RunResult:
    return RunResult.model_validate({"challenge": "hello-route", "status": status, "score": score, "points": 0,
                                     "max_points": 0, "tests": [], "sandbox": "fake", "duration_ms": 1,
                                     "limits": {}})


def test_infra_error_is_retried_and_recorded_once(data_dir: Path) -> None:
    store = Store.open(data_dir / "proctor.db")
    user = users.create(store, email="x@example.com", password_hash="h")
    submission = submissions.create(store, user_id=user.id, challenge="hello-route", suite="hidden",
                                    files={"app.py": "x"})
    calls: list[int] = []

    def grader(challenge: Any, files: Any, **kw: Any) -> RunResult:
        calls.append(1)
        kw["on_event"](TestsCollected(tests=[TestMeta(name="t", max_points=1)]))
        return fake_result(RunStatus.INFRA_ERROR if len(calls) == 1 else RunStatus.GRADED, 100.0)

    class Backend:
        name = "fake"

    pool = Workers(store=store, catalog=default_catalog(SETTINGS), backend=Backend(), count=1,  # type: ignore[arg-type]
                   lease_seconds=5, grade=grader)
    pool.start()
    try:
        def requeued() -> bool:  # the worker has written the infra result back: queued again, after a backoff
            s = submissions.get(store, submission_id=submission.id)
            return bool(calls) and s.status == "queued" and s.not_before > time.time()

        assert wait_until(requeued, seconds=10)
        after_infra = submissions.get(store, submission_id=submission.id)
        assert after_infra.status == "queued" and after_infra.score is None and after_infra.not_before > time.time()
        # Skip the backoff wait rather than sleeping through it.
        with store.write() as conn:
            conn.execute("UPDATE submissions SET not_before = 0 WHERE id = ?", (submission.id,))
        pool.notify()
        wait_until(lambda: submissions.get(store, submission_id=submission.id).status == "done", seconds=10)
    finally:
        pool.stop()
    done = submissions.get(store, submission_id=submission.id)
    assert done.status == "done" and done.score == 100.0 and done.attempts == 2 and len(calls) == 2
    store.close()


def test_a_late_result_after_a_lost_lease_is_refused(data_dir: Path) -> None:
    store = Store.open(data_dir / "proctor.db")
    user = users.create(store, email="x@example.com", password_hash="h")
    submission = submissions.create(store, user_id=user.id, challenge="hello-route", suite="hidden",
                                    files={"app.py": "x"})
    first = submissions.claim(store, lease_seconds=0.01)
    assert first is not None and first.lease_until is not None
    lease_until = first.lease_until
    assert wait_until(lambda: now() > lease_until, seconds=5)  # by the store's own clock
    second = submissions.claim(store, lease_seconds=30)  # the first worker's lease expired
    assert first and second and second.id == submission.id and second.attempts == 2
    assert not submissions.finish(store, submission_id=first.id, token=first.lease_token or "", result={},
                                  result_status="graded", score=10.0)
    assert submissions.finish(store, submission_id=second.id, token=second.lease_token or "", result={},
                              result_status="graded", score=90.0)
    assert not submissions.finish(store, submission_id=second.id, token=second.lease_token or "", result={},
                                  result_status="graded", score=0.0)
    assert submissions.get(store, submission_id=submission.id).score == 90.0
    store.close()


def test_store_is_wal_and_migrations_are_idempotent(data_dir: Path) -> None:
    Store.open(data_dir / "p.db").close()
    store = Store.open(data_dir / "p.db")
    assert store.read().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    names = [r[0] for r in store.read().execute("SELECT name FROM _sqlite_migrations")]
    # Every registered migration ran once, however many branches added.
    assert len(names) == len(set(names)) == len(MIGRATIONS._migrations)
    users.create(store, email="b@example.com", password_hash="h")
    store.backup(data_dir / "copy.db")
    copy = Store.open(data_dir / "copy.db")
    assert users.get_by_email(copy, email="b@example.com") is not None
    copy.close()
    store.close()


async def test_app_fixture_has_no_workers(app: FastAPI) -> None:
    assert app.state.workers is None
