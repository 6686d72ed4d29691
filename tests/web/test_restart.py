"""Restart recovery with a real server process, a real SQLite file and real bwrap grading.

The server is stopped twice while hello-route is being graded: once politely (SIGTERM: it hands the
submission back) and once by a crash (SIGKILL: its lease expires). After each restart the submission is
graded again, and in the end it holds exactly one result.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import PASSWORD, REFERENCE
from pagetree import parse
from servers import Server, free_port

from proctor.store import Store, submissions, users
from proctor.store.passwords import hash_password

# Slow to start, so the run is surely in progress when the server is stopped; then fully correct.
SLOW_REFERENCE = "import time\ntime.sleep(3)\n" + REFERENCE


def wait_for(store: Store, submission_id: int, predicate: Any, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        s = submissions.get(store, submission_id=submission_id)
        if s and predicate(s):
            return s
        time.sleep(0.1)
    raise AssertionError(f"timed out; last state {s.status if s else None}")


@pytest.mark.slow
def test_submission_survives_a_stop_and_a_crash(data_dir: Path, bwrap: Any) -> None:
    store = Store.open(data_dir / "proctor.db")
    users.create(store, email="restart@example.com", password_hash=hash_password(PASSWORD))
    server = Server(data_dir, free_port())
    server.start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        with httpx.Client(base_url=base) as client:
            token = parse(client.get("/login").text).find("input", name="csrf_token").attrs["value"]
            response = client.post("/login", data={"email": "restart@example.com", "password": PASSWORD,
                                                   "csrf_token": token})
            assert response.status_code == 303
            token = parse(client.get("/login").text).find("input", name="csrf_token").attrs["value"]
            response = client.post("/challenges/hello-route/submissions",
                                   data={"filename": "app.py", "content": SLOW_REFERENCE, "suite": "hidden",
                                         "csrf_token": token})
            assert response.status_code == 303
            submission_id = int(response.headers["location"].rsplit("/", 1)[1])

        wait_for(store, submission_id, lambda s: s.status == "running")
        server.stop(signal.SIGTERM)
        s = submissions.get(store, submission_id=submission_id)
        assert s.status == "queued" and s.result is None and s.attempts == 1

        server.start()
        wait_for(store, submission_id, lambda s: s.status == "running" and s.attempts == 2)
        server.stop(signal.SIGKILL)
        s = submissions.get(store, submission_id=submission_id)
        assert s.status == "running" and s.result is None  # left behind, its lease still counting down

        server.start()
        done = wait_for(store, submission_id, lambda s: s.status == "done", seconds=90)
        assert done.attempts == 3 and done.result_status == "graded" and done.score == 100.0
        assert done.result["score"] == 100.0
        server.stop(signal.SIGTERM)  # a graceful stop waits for the workers: anything they did is done now
        assert submissions.get(store, submission_id=submission_id) == done
        assert submissions.status_counts(store) == {"done": 1}
    finally:
        if server.proc is not None:
            server.stop(signal.SIGKILL)
        server.log.close()
        store.close()
