"""The "Custom request" panel's routes: validation, the queue and its limits, the answer, ownership."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import REFERENCE, Client
from fastapi import FastAPI
from pagetree import parse

from proctor.grading.custom_request import METHODS, REQUEST_FILE
from proctor.store import submissions

pytestmark = pytest.mark.anyio

URL = "/challenges/hello-route/requests"


def fields(**overrides: Any) -> dict[str, Any]:
    return {"method": "GET", "path": "/greet/ann", "headers": "", "body": "", "filename": "app.py",
            "content": REFERENCE, **overrides}


async def test_the_panel_is_on_the_challenge_page_with_labelled_fields(alice: Client) -> None:
    page = await alice.page("/challenges/hello-route")
    panel = page.by_id("custom-request")
    assert panel is not None and panel.tag == "details" and "open" not in panel.attrs  # collapsed
    form = page.by_id("custom-request-form")
    assert form.attrs["hx-include"] == "#files" and form.attrs["action"] == URL
    for field in ("request-method", "request-path", "request-headers", "request-body"):
        assert page.find("label", for_=field) is not None, field
    assert [o.text() for o in page.by_id("request-method").find_all("option")] == list(METHODS)
    assert page.by_id("custom-response") is not None


@pytest.mark.parametrize("overrides, says", [
    ({"method": "TRACE"}, "Method must be one of"),
    ({"path": "greet"}, "must start with a single"),
    ({"headers": "not a header"}, "Header line 1 is not"),
    ({"headers": "\n".join(f"X-{i}: v" for i in range(21))}, "At most 20 headers"),
    ({"body": "x" * (64 * 1024 + 1)}, "the limit is 64 KiB"),
])
async def test_bad_fields_are_refused_with_a_message_and_nothing_queued(app: FastAPI, alice: Client,
                                                                        overrides: dict[str, Any], says: str) -> None:
    response = await alice.post(URL, fields(**overrides), htmx=True)
    assert response.status_code == 422
    assert says in parse(response.text).text()
    assert app.state.store.read().execute("SELECT count(*) FROM submissions").fetchone()[0] == 0


async def test_a_request_is_queued_and_its_answer_shown(app: FastAPI, alice: Client) -> None:
    store = app.state.store
    response = await alice.post(URL, fields(method="post", headers="X-Token: abc", body='{"a": 1}'), htmx=True)
    assert response.status_code == 200
    panel = parse(response.text).by_id("custom-response-status")
    assert panel.attrs["data-status"] == "queued"
    assert panel.attrs["hx-trigger"] in ("load delay:100ms", "load delay:250ms")  # fresh: asked about soon
    assert "POST /greet/ann" in panel.text()

    claimed = submissions.claim(store, lease_seconds=30)
    assert claimed is not None and claimed.suite == "request"
    assert claimed.files["app.py"] == REFERENCE
    assert json.loads(claimed.files[REQUEST_FILE]) == {"method": "POST", "path": "/greet/ann",
                                                       "headers": [["X-Token", "abc"]], "body": '{"a": 1}'}
    result = {"status": "graded", "score": 100.0, "points": 1, "max_points": 1, "output": "INFO: 200 OK",
              "tests": [{"name": "test_request", "status": "passed", "points": 1, "max_points": 1}],
              "response": {"status_code": 405, "reason": "Method Not Allowed", "headers": [["allow", "GET"]],
                           "body": '{"detail":"Method Not Allowed"}', "truncated": False}}
    assert submissions.finish(store, submission_id=claimed.id, token=claimed.lease_token or "", result=result,
                              result_status="graded", score=None)
    fragment = await alice.page(f"{URL}/{claimed.id}", htmx=True)
    panel = fragment.by_id("custom-response-status")
    assert fragment.find("html") is None
    assert panel.attrs["data-status"] == "done" and "hx-trigger" not in panel.attrs  # polling stops
    assert fragment.by_id("response-code").text() == "405"
    assert fragment.by_id("response-body").text() == '{"detail":"Method Not Allowed"}'
    assert "allow: GET" in panel.text() and "INFO: 200 OK" in panel.text()

    # A custom request is not a run of the tests: the challenge page's result panel does not show it.
    page = await alice.page("/challenges/hello-route")
    assert page.by_id("submission-status") is None


async def test_a_timeout_says_why_there_is_no_answer(app: FastAPI, alice: Client) -> None:
    store = app.state.store
    await alice.post(URL, fields(), htmx=True)
    claimed = submissions.claim(store, lease_seconds=30)
    assert claimed is not None
    result = {"status": "graded", "score": 0.0, "points": 0, "max_points": 1, "output": "",
              "tests": [{"name": "test_request", "status": "timeout", "points": 0, "max_points": 1,
                         "message": "No answer within 5 s: the app took too long or hung."}]}
    submissions.finish(store, submission_id=claimed.id, token=claimed.lease_token or "", result=result,
                       result_status="graded", score=None)
    panel = (await alice.page(f"{URL}/{claimed.id}", htmx=True)).by_id("custom-response-status")
    assert "No answer" in panel.text() and "took too long" in panel.text()
    assert panel.by_id("response-code") is None


async def test_requests_share_the_submissions_rate_limits(alice: Client) -> None:
    assert (await alice.post(URL, fields(), htmx=True)).status_code == 200
    second = await alice.post(URL, fields(), htmx=True)
    assert second.status_code == 429  # one run in flight per user, whatever its kind
    assert (await alice.submit(htmx=True)).status_code == 429


async def test_someone_elses_request_is_not_found(app: FastAPI, alice: Client, bob: Client) -> None:
    await alice.post(URL, fields(), htmx=True)
    request_id = app.state.store.read().execute("SELECT max(id) FROM submissions").fetchone()[0]
    assert (await bob.get(f"{URL}/{request_id}")).status_code == 404
    assert (await alice.get(f"{URL}/{request_id}")).status_code == 200
    assert (await alice.get(f"/challenges/request-body/requests/{request_id}")).status_code == 404


async def test_without_javascript_the_saved_code_is_sent_and_the_answer_has_a_page(app: FastAPI,
                                                                                   alice: Client) -> None:
    await alice.post("/challenges/hello-route/draft", {"filename": "app.py", "content": "# my draft\n" + REFERENCE})
    response = await alice.post(URL, {"method": "GET", "path": "/"})
    assert response.status_code == 303
    request_id = int(response.headers["location"].rsplit("/", 1)[1])
    stored = submissions.get(app.state.store, submission_id=request_id)
    assert stored is not None and stored.files["app.py"].startswith("# my draft")
    page = await alice.page(response.headers["location"])
    assert page.find("html") is not None and page.by_id("custom-response-status") is not None


async def test_a_quiz_takes_no_request(alice: Client) -> None:
    response = await alice.post("/challenges/quiz-http-errors/requests", fields(), htmx=True)
    assert response.status_code == 404


async def test_the_migration_allows_request_and_still_refuses_other_suites(app: FastAPI) -> None:
    import sqlite3

    store = app.state.store
    assert store.read().execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint"):
        with store.write() as conn:
            conn.execute("INSERT INTO submissions (user_id, challenge, suite, files, created_at) "
                         "VALUES (1, 'x', 'bogus', '{}', 0)")


async def test_the_dashboard_links_a_request_to_its_own_page(app: FastAPI, alice: Client) -> None:
    await alice.post(URL, fields(), htmx=True)
    request_id = app.state.store.read().execute("SELECT max(id) FROM submissions").fetchone()[0]
    dashboard = await alice.page("/dashboard")
    link = dashboard.find("a", href=f"{URL}/{request_id}")
    assert link is not None and "custom request" in dashboard.by_id("activity").text()
    submission_page = await alice.get(f"/submissions/{request_id}")
    assert submission_page.status_code == 303 and submission_page.headers["location"] == f"{URL}/{request_id}"


async def test_an_app_that_did_not_start_shows_its_traceback(app: FastAPI, alice: Client) -> None:
    store = app.state.store
    await alice.post(URL, fields(content="def broken(:\n"), htmx=True)
    claimed = submissions.claim(store, lease_seconds=30)
    assert claimed is not None
    result = {"status": "not_gradable", "score": 0.0, "points": 0, "max_points": 1, "output": "",
              "message": 'File "app.py", line 1\nSyntaxError: invalid syntax',
              "tests": [{"name": "test_request", "status": "error", "points": 0, "max_points": 1,
                         "message": "Not run: the app did not start."}]}
    submissions.finish(store, submission_id=claimed.id, token=claimed.lease_token or "", result=result,
                       result_status="not_gradable", score=None)
    panel = (await alice.page(f"{URL}/{claimed.id}", htmx=True)).by_id("custom-response-status")
    assert "No answer (not gradable)" in panel.text() and "SyntaxError: invalid syntax" in panel.text()
