"""While a candidate sits an assessment, practice on its challenges is closed (issue 11 §1): the practice pages,
the quiz page and the API refuse to grade them, name the session, and open again when it ends."""

from __future__ import annotations

import time

import pytest
from conftest import REFERENCE, Client
from fastapi import FastAPI
from interviews import create_assessment, invite, staff, start
from pagetree import parse

from proctor.store import api_tokens, sittings, submissions, users

pytestmark = pytest.mark.anyio
QUIZ = "quiz-http-errors"


def finish_all(app: FastAPI) -> None:
    """Mark every queued submission graded, so the one-in-flight limit does not hide what is being tested."""
    store = app.state.store
    while (claimed := submissions.claim(store, lease_seconds=30)) is not None:
        submissions.finish(store, submission_id=claimed.id, token=claimed.lease_token or "",
                           result={"status": "graded", "tests": []}, result_status="graded", score=100.0)


async def sitting(app: FastAPI, candidate: Client, *, signed_up: bool = False) -> int:
    """The candidate (cand@example.com) starts a session holding hello-route and a quiz."""
    ivy = await staff(app, "ivy@example.com")
    aid = await create_assessment(ivy, ("hello-route", QUIZ))
    path = await invite(ivy, aid, "cand@example.com")
    if not signed_up:
        await candidate.signup("cand@example.com")
    return await start(candidate, path)


async def test_practice_is_refused_during_a_session_and_allowed_after(app: FastAPI, client: Client) -> None:
    store = app.state.store
    await client.signup("cand@example.com")
    before = await client.submit()  # practice before the invitation: its result stays readable throughout
    assert before.status_code == 303
    finish_all(app)
    session_id = await sitting(app, client, signed_up=True)
    user = users.get_by_email(store, email="cand@example.com")
    _, secret = api_tokens.create(store, user_id=user.id, name="cli")
    auth = {"Authorization": f"Bearer {secret}"}

    refused = await client.submit()
    assert refused.status_code == 409
    assert "You are sitting “Backend screen” until" in refused.text and "reopens when it ends" in refused.text
    assert (await client.submit(suite="examples")).status_code == 409
    quiz = await client.post(f"/quizzes/{QUIZ}/submissions", {"answer-tuple-return": "b"}, htmx=True)
    assert quiz.status_code == 409 and "Backend screen" in quiz.text
    api = await client.http.post("/api/v1/submissions", headers=auth,
                                 json={"challenge": "hello-route", "files": {"app.py": REFERENCE}})
    assert api.status_code == 409 and "“Backend screen”" in api.json()["detail"]
    practice = [s for s in submissions.list_for(store, user_id=user.id, suite=None)]
    assert len(practice) == 1  # nothing new was stored

    # still readable: the old result, the history; drafts still save; other challenges are open
    assert (await client.get(before.headers["location"])).status_code == 200
    assert (await client.get("/challenges/hello-route/history")).status_code == 200
    draft = await client.post("/challenges/hello-route/draft", {"filename": "app.py", "content": "x = 1\n"})
    assert draft.status_code == 303
    other = await client.post("/challenges/routers/submissions", {"filename": "app.py", "content": "x = 1\n"})
    assert other.status_code == 303
    finish_all(app)

    # the session itself still takes submissions
    r = await client.post(f"/sittings/{session_id}/challenges/hello-route/submissions",
                          {"filename": "app.py", "content": REFERENCE, "suite": "hidden"})
    assert r.status_code == 303
    finish_all(app)

    await client.get(f"/sittings/{session_id}")
    assert (await client.post(f"/sittings/{session_id}/finish")).status_code == 303
    results = []
    for _ in range(4):  # one at a time: practice allows one in flight
        results.append(await practise_one(client, auth, len(results)))
        finish_all(app)
    assert results == [303, 303, 303, 201]


async def practise_one(c: Client, auth: dict[str, str], which: int) -> int:
    if which < 2:
        return (await c.submit(suite=("hidden", "examples")[which])).status_code
    if which == 2:
        return (await c.post(f"/quizzes/{QUIZ}/submissions", {"answer-tuple-return": "b"})).status_code
    return (await c.http.post("/api/v1/submissions", headers=auth,
                              json={"challenge": "hello-route", "files": {"app.py": REFERENCE}})).status_code


async def test_practice_reopens_at_the_deadline(app: FastAPI, client: Client) -> None:
    """Past its deadline a session no longer holds practice, even before the sweep has closed it."""
    store = app.state.store
    session_id = await sitting(app, client)
    assert (await client.submit()).status_code == 409
    sittings.move_deadline(store, session_id=session_id, deadline=time.time() - 1)
    assert sittings.get(store, session_id=session_id).status == "active"
    assert (await client.submit()).status_code == 303


async def test_the_practice_pages_show_the_hold(app: FastAPI, client: Client, bob: Client) -> None:
    session_id = await sitting(app, client)
    for url in ("/challenges/hello-route", f"/quizzes/{QUIZ}"):
        page = await client.page(url)
        banner = page.by_id("practice-hold")
        assert banner is not None and "Backend screen" in banner.text(), url
        assert banner.find("a", href=f"/sittings/{session_id}") is not None
        assert "disabled" in page.by_id("submit-button").attrs, url
        fragment = parse((await client.get(url, htmx=True)).text)
        assert "disabled" in fragment.by_id("submit-button").attrs
    open_page = await client.page("/challenges/routers")
    assert open_page.by_id("practice-hold") is None and "disabled" not in open_page.by_id("submit-button").attrs
    # someone else, not sitting it, practises as before
    other = await bob.page("/challenges/hello-route")
    assert other.by_id("practice-hold") is None and "disabled" not in other.by_id("submit-button").attrs
    assert (await bob.submit()).status_code == 303

    await client.post(f"/sittings/{session_id}/finish")
    page = await client.page("/challenges/hello-route")  # the cached page must not outlive the hold
    assert page.by_id("practice-hold") is None and "disabled" not in page.by_id("submit-button").attrs


async def test_the_api_declares_the_refusals(client: Client) -> None:
    spec = (await client.get("/openapi.json")).json()
    declared = spec["paths"]["/api/v1/submissions"]["post"]["responses"]
    assert {"201", "409", "429"} <= set(declared)
