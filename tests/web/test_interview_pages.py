"""Every interviewer-workflow page and fragment, full and with HX-Request, without real grading."""

from __future__ import annotations

import asyncio
import time

import pytest
from conftest import REFERENCE, Client
from fastapi import FastAPI
from interviews import create_assessment, invite, staff, start
from pagetree import parse

from proctor.settings import Settings
from proctor.store import sittings, snapshots, submissions
from proctor.web.app import create_app

pytestmark = pytest.mark.anyio


def finish_grading(app: FastAPI, submission_id: int, score: float) -> None:
    """Stand in for a worker: record a result with a hidden test's detail."""
    store = app.state.store
    claimed = submissions.claim(store, lease_seconds=30)
    assert claimed is not None and claimed.id == submission_id
    result = {"status": "graded", "score": score, "points": 1, "max_points": 1, "suite": "hidden", "message": "",
              "tests": [{"name": "test_root_secret_name", "status": "passed" if score == 100 else "failed",
                         "points": 1, "max_points": 1, "message": "be nicer", "detail": "assert 1 == 2 DETAIL",
                         "description": "GET /"}]}
    submissions.finish(store, submission_id=submission_id, token=claimed.lease_token, result=result,
                       result_status="graded", score=score)


async def test_assessment_pages(app: FastAPI, alice: Client) -> None:
    ivy = await staff(app, "ivy@example.com")
    page = await ivy.page("/assessments")
    assert "No assessments yet" in page.text()
    form = await ivy.page("/assessments/new")
    assert form.find("input", name="challenges", value="hello-route") is not None
    bad = await ivy.post("/assessments", {"title": "", "time_limit_minutes": "0", "score_visibility": "x"})
    assert bad.status_code == 400 and "Choose at least one challenge" in bad.text
    frag = await ivy.post("/assessments", {"title": ""}, htmx=True)
    assert frag.status_code == 400 and "<html" not in frag.text and 'id="assessment-form"' in frag.text
    aid = await create_assessment(ivy, ("hello-route", "request-body"))
    page = await ivy.page(f"/assessments/{aid}")
    assert "Backend screen" in page.text() and "Nobody is invited yet" in page.text()
    assert (await ivy.page(f"/assessments/{aid}", htmx=True)).by_id("invitations") is not None
    assert (await ivy.page("/assessments", htmx=True)).find("tr", data_assessment=str(aid)) is not None
    edit = await ivy.page(f"/assessments/{aid}/edit")
    assert edit.find("input", name="title").attrs["value"] == "Backend screen"
    r = await ivy.post(f"/assessments/{aid}", {"title": "Renamed", "challenges": ["request-body"],
                                               "time_limit_minutes": "45", "score_visibility": "never",
                                               "opens_at": "2001-01-01T00:00", "closes_at": "2999-01-01T00:00"})
    assert r.status_code == 303
    page = await ivy.page(f"/assessments/{aid}")
    assert "Renamed" in page.text() and "45 minutes" in page.text()
    # candidates cannot reach any of it
    assert (await alice.get("/assessments")).status_code == 403
    assert (await alice.get(f"/assessments/{aid}")).status_code == 403


async def test_invitation_flow_and_revoke(app: FastAPI, client: Client) -> None:
    ivy = await staff(app, "ivy@example.com")
    aid = await create_assessment(ivy)
    path = await invite(ivy, aid, "cand@example.com")
    frag = await ivy.post(f"/assessments/{aid}/invitations", {"email": "two@example.com"}, htmx=True)
    assert frag.status_code == 201 and "<html" not in frag.text and 'id="new-link"' in frag.text
    bad = await ivy.post(f"/assessments/{aid}/invitations", {"email": "nope"}, htmx=True)
    assert bad.status_code == 400 and "Enter the candidate" in bad.text

    # signed out: asked to sign in or sign up, with the way back
    landing = await client.page(path)
    signup = landing.find("a", href=f"/signup?next={path}&email=cand%40example.com")
    assert signup is not None
    page = await client.page(signup.attrs["href"])
    assert page.find("input", name="next").attrs["value"] == path
    r = await client.post("/signup", {"email": "cand@example.com", "password": "correct horse battery",
                                      "next": path})
    assert r.headers["location"] == path
    intro = await client.page(path)
    assert intro.find("em") is not None and "luck" in intro.text()  # Markdown intro
    sid = await start(client, path)
    # the link now leads its user back to the session, and nobody else anywhere
    again = await client.get(path)
    assert again.status_code == 303 and again.headers["location"] == f"/sittings/{sid}"

    # revoke the second invitation
    inv_row = [i for i in parse((await ivy.get(f"/assessments/{aid}")).text).find_all("tr") if "two@" in i.text()][0]
    inv_id = inv_row.attrs["data-invitation"]
    r = await ivy.post(f"/assessments/{aid}/invitations/{inv_id}/revoke", htmx=True)
    assert r.status_code == 200 and "revoked" in r.text and "<html" not in r.text


async def test_timed_session_pages_snapshots_and_submit(app: FastAPI, client: Client) -> None:
    ivy = await staff(app, "ivy@example.com")
    aid = await create_assessment(ivy, ("hello-route", "request-body"), visibility="after")
    path = await invite(ivy, aid, "cand@example.com")
    await client.signup("cand@example.com")
    sid = await start(client, path)
    overview = await client.page(f"/sittings/{sid}")
    timer = overview.by_id("countdown")
    assert timer is not None and 1790 <= int(timer.attrs["data-remaining"]) <= 1800
    assert (await client.page(f"/sittings/{sid}", htmx=True)).by_id("sitting") is not None
    assert (await client.page("/sittings")).find("a", href=f"/sittings/{sid}") is not None
    assert (await client.page("/sittings", htmx=True)).by_id("sittings") is not None

    page = await client.page(f"/sittings/{sid}/challenges/hello-route")
    assert page.by_id("countdown") is not None and page.find("textarea", name="content") is not None
    assert page.by_id("files").attrs["hx-trigger"].startswith("input")
    assert (await client.page(f"/sittings/{sid}/challenges/hello-route", htmx=True)).by_id("workspace") is not None
    assert (await client.get(f"/sittings/{sid}/challenges/cors")).status_code == 404  # not in the assessment

    base = f"/sittings/{sid}/challenges/hello-route"
    app.state.settings.snapshot_interval_seconds = 0  # two quick autosaves, two snapshots: playback below
    for code in ("from fastapi import FastAPI\n", REFERENCE):
        r = await client.post(base + "/draft", {"filename": "app.py", "content": code}, htmx=True)
        assert r.status_code == 200 and "Draft saved" in r.text
    store = app.state.store
    assert len(snapshots.list_for(store, sitting_id=sid, challenge="hello-route")) == 2
    r = await client.post(base + "/submissions", {"filename": "app.py", "content": REFERENCE, "suite": "hidden"},
                          htmx=True)
    assert r.status_code == 200 and 'data-status="queued"' in r.text
    sub_id = int(parse(r.text).by_id("submission-status").attrs["hx-get"].rsplit("/", 1)[1])
    finish_grading(app, sub_id, 100.0)
    panel = await client.get(f"/sittings/{sid}/submissions/{sub_id}", htmx=True)
    assert "Scores are not shown" in panel.text and "100" not in parse(panel.text).text()
    assert "DETAIL" not in panel.text
    # practice views do not show it either
    assert (await client.get(f"/submissions/{sub_id}")).status_code == 404
    assert f'"id":{sub_id}' not in (await client.get("/api/v1/submissions")).text.replace(" ", "")
    assert (await client.get(f"/api/v1/submissions/{sub_id}")).status_code == 404

    # a page after the reload restores the draft
    page = await client.page(base)
    assert "Hello World" in page.find("textarea", name="content").text()

    r = await client.post(f"/sittings/{sid}/finish")
    assert r.status_code == 303
    over = await client.page(f"/sittings/{sid}")
    assert "This session is over" in over.text()
    assert over.find("td", class_="session-score").text().strip() == "100"  # "after": visible now
    assert (await client.post(base + "/draft", {"filename": "app.py", "content": "x"})).status_code == 409
    assert (await client.get(base)).status_code == 303

    # the interviewer's side: results, report, playback, review, exports
    results = await ivy.page(f"/assessments/{aid}/results")
    row = results.find("tr", data_session=str(sid))
    assert row is not None and row.find("td", data_challenge="hello-route").text() == "100"
    frag = await ivy.page(f"/assessments/{aid}/results?q=nobody", htmx=True)
    assert frag.find("html") is None and "No candidate matches" in frag.text()
    frag = await ivy.page(f"/assessments/{aid}/results?sort=total&dir=desc&status=finished", htmx=True)
    assert frag.find("tr", data_session=str(sid)) is not None
    report = await ivy.page(f"/assessments/{aid}/candidates/{sid}")
    assert "test_root_secret_name" in report.text() and "DETAIL" in report.text()
    assert "opened" in report.text() and "first edit" in report.text()
    assert report.find("input", type="range").attrs["max"] == "1"
    frag = await ivy.page(f"/assessments/{aid}/candidates/{sid}/playback/hello-route?at=0", htmx=True)
    assert frag.find("html") is None and "Snapshot 1 of 2" in frag.text() and "Hello World" not in frag.text()
    full = await ivy.page(f"/assessments/{aid}/candidates/{sid}/playback/hello-route?at=1")
    assert "Hello World" in full.text()
    r = await ivy.post(f"/assessments/{aid}/candidates/{sid}/review", {"notes": "Solid", "rating": "4"}, htmx=True)
    assert r.status_code == 200 and 'id="review-saved"' in r.text and "<html" not in r.text
    assert (await ivy.page(f"/assessments/{aid}/candidates/{sid}", htmx=True)).by_id("review") is not None
    exported = (await ivy.get(f"/assessments/{aid}/results.json")).json()
    assert exported["candidates"][0]["scores"]["hello-route"] == 100 and exported["candidates"][0]["rating"] == 4
    csv_text = (await ivy.get(f"/assessments/{aid}/results.csv")).text
    assert csv_text.splitlines()[0].startswith("email,status") and "cand@example.com" in csv_text
    rep = (await ivy.get(f"/assessments/{aid}/candidates/{sid}/report.json")).json()
    assert rep["review"]["notes"] == "Solid" and rep["challenges"][0]["submissions"][0]["result"]["tests"]
    assert "DETAIL" in (await ivy.get(f"/assessments/{aid}/candidates/{sid}/report.csv")).text


async def test_deadline_with_the_browser_closed(settings: Settings) -> None:
    """The candidate types, closes the tab, and never comes back: the server's sweep submits and locks."""
    app = create_app(settings, start_workers=False)
    app.state.sweep_seconds = 0.1
    async with app.router.lifespan_context(app):
        await deadline_passes_unseen(app)


async def deadline_passes_unseen(app: FastAPI) -> None:
    client = Client(app)
    ivy = await staff(app, "ivy@example.com")
    aid = await create_assessment(ivy, ("hello-route", "request-body"))
    path = await invite(ivy, aid, "cand@example.com")
    await client.signup("cand@example.com")
    sid = await start(client, path)
    await client.post(f"/sittings/{sid}/challenges/hello-route/draft", {"filename": "app.py", "content": REFERENCE})
    await client.aclose()  # the browser is gone
    store = app.state.store
    sittings.move_deadline(store, session_id=sid, deadline=time.time() - 1)
    deadline = time.monotonic() + 10
    while sittings.get(store, session_id=sid).status == "active" and time.monotonic() < deadline:
        await asyncio.sleep(0.05)  # nobody requests anything; the lifespan's sweep thread acts alone
    session = sittings.get(store, session_id=sid)
    assert session.status == "expired"
    subs = sittings.session_submissions(store, session_id=sid)
    assert [(s.challenge, s.files["app.py"]) for s in subs] == [("hello-route", REFERENCE)]
    report = await ivy.page(f"/assessments/{aid}/candidates/{sid}")
    assert "auto-submitted" in report.text()


async def test_server_time_is_authoritative(app: FastAPI, client: Client) -> None:
    ivy = await staff(app, "ivy@example.com")
    aid = await create_assessment(ivy, minutes=1)
    path = await invite(ivy, aid, "cand@example.com")
    await client.signup("cand@example.com")
    sid = await start(client, path)
    sittings.move_deadline(app.state.store, session_id=sid, deadline=time.time() - 1)
    # whatever the client sends, a write after the deadline is refused and the session locks
    r = await client.post(f"/sittings/{sid}/challenges/hello-route/submissions",
                          {"filename": "app.py", "content": REFERENCE, "suite": "hidden", "deadline": "9999999999"})
    assert r.status_code == 409
    assert sittings.get(app.state.store, session_id=sid).status == "expired"
