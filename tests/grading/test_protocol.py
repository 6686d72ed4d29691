"""The typed protocol at its boundaries: what the harness writes, what the grader sends, what the store keeps."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from proctor.grading import protocol
from proctor.grading.harness.harness import Status
from proctor.grading.limits import Limits
from proctor.grading.packs import default_catalog
from proctor.grading.results import CustomResponse, RunResult, RunStatus, TestResult, TestStatus, not_run
from proctor.pipeline.worker import Workers
from proctor.store import Store, submissions, users
from proctor.store.database import now, use_clock
from proctor.store.migrations import MIGRATIONS
from tests.conftest import SETTINGS


def harness_lines(*calls: dict[str, object]) -> list[str]:
    r, w = os.pipe()
    try:
        for message in calls:
            Status(w).send(**message)
    finally:
        os.close(w)
    with os.fdopen(r, "rb") as f:
        return f.read().decode().splitlines()


def test_what_the_harness_writes_is_what_the_supervisor_reads() -> None:
    # The harness ships into the sandbox alone, with the stdlib only: this keeps its lines and the models in step.
    warm, ready, failed = harness_lines({"state": "warm"}, {"state": "ready"},
                                        {"state": "error", "reason": "import_error", "detail": "Traceback"})
    assert protocol.read_status(warm) == protocol.Warm()
    assert protocol.read_status(ready) == protocol.Ready()
    assert protocol.read_status(failed) == protocol.HarnessFailed(reason="import_error", detail="Traceback")


@pytest.mark.parametrize("line", ["[1]", '"ready"', "{", '{"state": "ready", "score": 100}',
                                  '{"state": "error", "reason": 7}', '{"state": "graded"}', ""])
def test_anything_else_on_the_status_pipe_is_not_a_status(line: str) -> None:
    assert protocol.read_status(line) is None


def test_grader_events_round_trip_and_anything_else_is_a_protocol_error() -> None:
    report = protocol.TestReport(name="t", status=TestStatus.FAILED, points=0, max_points=2, message="no",
                                 maxrss=1024)
    for event in (protocol.Collected(tests=[protocol.TestMeta(name="t", max_points=2)]), protocol.Started(name="t"),
                  report, protocol.Response(status_code=200, headers=[("a", "b")]), protocol.RestartAsked(),
                  protocol.Done(), protocol.OutOfMemory(), protocol.Idle()):
        assert protocol.read_event(event.to_line()) == event
    assert report.result() == TestResult(name="t", status=TestStatus.FAILED, points=0, max_points=2, message="no")
    with pytest.raises(protocol.ProtocolError, match="points"):
        protocol.read_event('{"event": "test", "name": "t", "status": "passed", "points": "x", "max_points": 1}')
    with pytest.raises(protocol.ProtocolError):
        protocol.read_event('{"event": "test", "name": "t", "status": "passed", "points": 1, "max_points": 1, '
                            '"score": 100}')


def full_result() -> RunResult:
    return RunResult(challenge="hello-route", status=RunStatus.GRADED, score=50.0, points=1, max_points=2,
                     tests=[TestResult(name="a", status=TestStatus.PASSED, points=1, max_points=1, detail="raw"),
                            TestResult(name="b", status=TestStatus.TIMEOUT, points=0, max_points=1)],
                     output="hi\n", sandbox="bwrap", duration_ms=1234, limits=Limits(wall_seconds=7),
                     versions={"python": "3.11"}, peak_memory_bytes={"app": 1}, run_id="r1",
                     response=CustomResponse(status_code=418, headers=[("x", "y")], body="tea"))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "proctor.db")
    yield store
    store.close()


def test_a_result_survives_the_round_trip_through_the_database(store: Store) -> None:
    user = users.create(store, email="a@example.com", password_hash="h")
    submissions.create(store, user_id=user.id, challenge="hello-route", suite="hidden", files={"app.py": "x"})
    claimed = submissions.claim(store, lease_seconds=30)
    assert claimed is not None
    result = full_result()
    assert submissions.finish(store, submission_id=claimed.id, token=claimed.lease_token or "",
                              result=result.model_dump(mode="json", by_alias=True), result_status="graded", score=50.0)
    stored = submissions.get(store, submission_id=claimed.id)
    assert stored is not None
    assert RunResult.model_validate(stored.result) == result


def test_a_submission_that_cannot_run_stores_a_complete_result(store: Store) -> None:
    user = users.create(store, email="a@example.com", password_hash="h")
    submissions.create(store, user_id=user.id, challenge="no-such-challenge", suite="hidden", files={"app.py": "x"})
    claimed = submissions.claim(store, lease_seconds=30)
    assert claimed is not None

    class Backend:
        name = "fake"

    pool = Workers(store=store, catalog=default_catalog(SETTINGS), backend=Backend(),  # type: ignore[arg-type]
                      count=1, lease_seconds=30, grade=lambda *a, **k: pytest.fail("nothing to grade"))
    pool._grade(claimed, claimed.lease_token or "")
    stored = submissions.get(store, submission_id=claimed.id)
    assert stored is not None and stored.status == "done"
    result = RunResult.model_validate(stored.result)
    assert result.status == RunStatus.NOT_GRADABLE and "no longer exists" in result.message
    assert result == not_run("no-such-challenge", "hidden", result.message)


def test_results_stored_before_the_protocol_are_completed_by_a_migration(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = Database(sqlite3.connect(path))
    MIGRATIONS.apply(db, stop_before="protocol_complete_not_run_results")
    db.execute("INSERT INTO users (email, password_hash, role, created_at) VALUES ('a@x', 'h', 'candidate', 0)")
    old = {"status": "not_gradable", "score": 0.0, "tests": [], "message": "gone", "points": 0, "max_points": 0,
           "suite": "hidden", "challenge": "hello-route"}
    db.execute("INSERT INTO submissions (user_id, challenge, suite, files, status, result, result_status, created_at) "
               "VALUES (1, 'hello-route', 'hidden', '{}', 'done', ?, 'not_gradable', 0)", [json.dumps(old)])
    db.conn.commit()
    db.close()
    store = Store.open(path)
    stored = submissions.get(store, submission_id=1)
    assert stored is not None
    assert RunResult.model_validate(stored.result) == not_run("hello-route", "hidden", "gone")
    store.close()


def test_the_store_stamps_time_from_an_injected_clock(store: Store) -> None:
    user = users.create(store, email="a@example.com", password_hash="h")
    with use_clock(lambda: 1234.5):
        assert now() == 1234.5
        made = submissions.create(store, user_id=user.id, challenge="hello-route", suite="hidden",
                                  files={"app.py": "x"})
    assert made.created_at == 1234.5
    assert now() != 1234.5
