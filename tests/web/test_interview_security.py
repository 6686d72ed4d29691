"""Authorization in the interviewer workflow: each rule of issue 6, one test each."""

from __future__ import annotations

import pytest
from conftest import REFERENCE, Client
from fastapi import FastAPI
from interviews import create_assessment, invite, staff, start

from proctor.store import invitations, reviews, users

pytestmark = pytest.mark.anyio


async def two_interviewers(app: FastAPI) -> tuple[Client, Client, int]:
    ivy, ian = await staff(app, "ivy@example.com"), await staff(app, "ian@example.com")
    return ivy, ian, await create_assessment(ivy)


async def test_interviewers_see_only_their_own_assessments(app: FastAPI) -> None:
    ivy, ian, aid = await two_interviewers(app)
    listing = await ian.page("/assessments")
    assert listing.find("tr", data_assessment=str(aid)) is None
    for url in (f"/assessments/{aid}", f"/assessments/{aid}/edit", f"/assessments/{aid}/results",
                f"/assessments/{aid}/results.csv", f"/assessments/{aid}/results.json"):
        assert (await ian.get(url)).status_code == 404, url
    await ian.get("/assessments")
    for url in (f"/assessments/{aid}", f"/assessments/{aid}/invitations", f"/assessments/{aid}/invitations/1/revoke"):
        assert (await ian.post(url, {"title": "x", "email": "a@example.com"})).status_code == 404, url


async def test_admins_see_all(app: FastAPI) -> None:
    ivy, _, aid = await two_interviewers(app)
    admin = await staff(app, "root@example.com", role="admin")
    assert (await admin.page("/assessments")).find("tr", data_assessment=str(aid)) is not None
    assert (await admin.get(f"/assessments/{aid}/results")).status_code == 200


async def test_interviewers_see_only_their_candidates_reports(app: FastAPI, client: Client) -> None:
    ivy, ian, aid = await two_interviewers(app)
    path = await invite(ivy, aid, "cand@example.com")
    await client.signup("cand@example.com")
    sid = await start(client, path)
    other = await create_assessment(ian)
    # neither through the other's assessment, nor through a mismatched pair of ids
    for url in (f"/assessments/{aid}/candidates/{sid}", f"/assessments/{other}/candidates/{sid}",
                f"/assessments/{other}/candidates/{sid}/report.json",
                f"/assessments/{other}/candidates/{sid}/playback/hello-route",
                f"/assessments/{other}/similarity?a={sid}&b={sid}&challenge=hello-route"):
        assert (await ian.get(url)).status_code == 404, url
    await ian.get("/assessments")
    assert (await ian.post(f"/assessments/{other}/candidates/{sid}/review", {"notes": "x"})).status_code == 404


async def test_candidates_see_only_their_own_sessions(app: FastAPI, client: Client, bob: Client) -> None:
    ivy = await staff(app, "ivy@example.com")
    aid = await create_assessment(ivy)
    path = await invite(ivy, aid, "cand@example.com")
    await client.signup("cand@example.com")
    sid = await start(client, path)
    await client.post(f"/sittings/{sid}/challenges/hello-route/submissions",
                      {"filename": "app.py", "content": REFERENCE, "suite": "hidden"})
    for url in (f"/sittings/{sid}", f"/sittings/{sid}/challenges/hello-route", f"/sittings/{sid}/submissions/1"):
        assert (await bob.get(url)).status_code == 404, url
    await bob.get("/login")
    assert (await bob.post(f"/sittings/{sid}/finish")).status_code == 404
    # and no interviewer pages, notes or flags
    user = users.get_by_email(app.state.store, email="ivy@example.com")
    reviews.save(app.state.store, sitting_id=sid, reviewer_id=user.id, notes="SECRET NOTE", rating=2)
    for url in (f"/assessments/{aid}/results", f"/assessments/{aid}/candidates/{sid}",
                f"/assessments/{aid}/candidates/{sid}/report.json"):
        assert (await client.get(url)).status_code == 403, url
    for url in (f"/sittings/{sid}", f"/sittings/{sid}/challenges/hello-route", f"/sittings/{sid}/submissions/1"):
        text = (await client.get(url)).text
        assert "SECRET NOTE" not in text and "similar" not in text.lower(), url


async def test_candidates_never_see_hidden_test_code(app: FastAPI, client: Client) -> None:
    ivy = await staff(app, "ivy@example.com")
    aid = await create_assessment(ivy)
    path = await invite(ivy, aid, "cand@example.com")
    await client.signup("cand@example.com")
    sid = await start(client, path)
    page = (await client.get(f"/sittings/{sid}/challenges/hello-route")).text
    assert "def test_" not in page and "pytest.mark" not in page


async def test_invitation_links_cannot_be_guessed_or_forged(app: FastAPI, client: Client) -> None:
    ivy = await staff(app, "ivy@example.com")
    aid = await create_assessment(ivy)
    path = await invite(ivy, aid, "cand@example.com")
    await client.signup("cand@example.com")
    token = path.rsplit("/", 1)[1]
    secret, _, signature = token.rpartition(".")
    assert (await client.get("/invite/" + "A" * len(token))).status_code == 404
    assert (await client.get(f"/invite/{secret}.{'x' * len(signature)}")).status_code == 404
    assert (await client.get(f"/invite/{token[:-1]}")).status_code == 404
    assert (await client.post(f"/invite/{'A' * 40}/start")).status_code == 404


async def test_invitation_links_cannot_be_reused(app: FastAPI, client: Client, bob: Client) -> None:
    ivy = await staff(app, "ivy@example.com")
    aid = await create_assessment(ivy)
    path = await invite(ivy, aid, "cand@example.com")
    await client.signup("cand@example.com")
    await start(client, path)
    assert (await client.post(path + "/start")).status_code == 410  # not a second session either
    assert (await bob.get(path)).status_code == 410
    await bob.get("/login")
    assert (await bob.post(path + "/start")).status_code in (403, 410)


async def test_invitation_is_for_its_email(app: FastAPI, bob: Client) -> None:
    ivy = await staff(app, "ivy@example.com")
    aid = await create_assessment(ivy)
    path = await invite(ivy, aid, "cand@example.com")
    page = await bob.get(path)
    assert page.status_code == 403 and "another email" in page.text
    assert (await bob.post(path + "/start")).status_code == 403


async def test_revoked_and_expired_links_do_not_work(app: FastAPI, client: Client) -> None:
    ivy = await staff(app, "ivy@example.com")
    aid = await create_assessment(ivy)
    revoked = await invite(ivy, aid, "cand@example.com")
    expired = await invite(ivy, aid, "cand@example.com")
    rows = invitations.list_for(app.state.store, assessment_id=aid)
    invitations.revoke(app.state.store, invitation_id=rows[0].id)
    invitations.expire(app.state.store, invitation_id=rows[1].id)
    await client.signup("cand@example.com")
    for path, word in ((revoked, "revoked"), (expired, "expired")):
        page = await client.get(path)
        assert page.status_code == 410 and word in page.text
        assert (await client.post(path + "/start")).status_code == 410


async def test_closed_window_cannot_start(app: FastAPI, client: Client) -> None:
    ivy = await staff(app, "ivy@example.com")
    aid = await create_assessment(ivy, closes_at="2001-01-01T00:00")
    path = await invite(ivy, aid, "cand@example.com")
    await client.signup("cand@example.com")
    assert (await client.get(path)).status_code == 409
    assert (await client.post(path + "/start")).status_code == 409
