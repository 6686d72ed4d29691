"""Effort on the report: active editing time from snapshots, large pastes and leaving the tab from the browser."""

from __future__ import annotations

import pytest
from conftest import Client
from fastapi import FastAPI
from interviews import create_assessment, invite, staff, start

from proctor.review.effort import IDLE_AFTER, active_seconds, effort
from proctor.store import activity


def test_active_time_counts_long_gaps_as_idle() -> None:
    # Work for 30 s, away for an hour, work for 10 s: 40 s of editing plus one capped gap, not an hour.
    assert active_seconds([0, 10, 30, 3630, 3640]) == 40 + IDLE_AFTER
    assert active_seconds([]) == 0 and active_seconds([5]) == 0
    spent = effort([3640, 0, 10, 30, 3630], [])
    assert spent.active_seconds == 40 + IDLE_AFTER
    assert [text for _,
            text in spent.timeline] == ["no edits for 60 min 0 s (at most 2 min 0 s of it counted as active)"]


async def session_with_candidate(app: FastAPI) -> tuple[Client, Client, int, int]:
    ivy = await staff(app, "ivy@example.com")
    aid = await create_assessment(ivy, ("hello-route",))
    path = await invite(ivy, aid, "cand@example.com")
    cand = Client(app)
    await cand.signup("cand@example.com")
    page = await cand.page(path)
    assert "paste" in page.by_id("recorded-notice").text()  # told before Start
    sid = await start(cand, path)
    return ivy, cand, aid, sid


@pytest.mark.anyio
async def test_pastes_and_leaving_the_tab_reach_the_report(app: FastAPI) -> None:
    ivy, cand, aid, sid = await session_with_candidate(app)
    page = await cand.page(f"/sittings/{sid}/challenges/hello-route")
    url = page.by_id("code-form").attrs["data-activity-url"]
    for data in ({"kind": "paste", "chars": "412"}, {"kind": "left"}, {"kind": "returned"}):
        assert (await cand.post(url, data)).status_code == 204
    assert (await cand.post(url, {"kind": "typed"})).status_code == 422
    report = await ivy.page(f"/assessments/{aid}/candidates/{sid}")
    effort = report.find("dl", class_="effort")
    assert effort.find("dd", class_="pastes").text().startswith("1 (412 characters)")
    assert effort.find("dd", class_="times-away").text().startswith("1 time")
    timeline = report.find("ol", class_="timeline").text()
    assert "pasted 412 characters" in timeline and "left the tab" in timeline and "came back" in timeline
    assert (await ivy.get(f"/assessments/{aid}/candidates/{sid}/report.json")).json()["challenges"][0]["pastes"] == 1


@pytest.mark.anyio
async def test_activity_is_rate_limited_capped_and_private(app: FastAPI) -> None:
    ivy, cand, aid, sid = await session_with_candidate(app)
    await cand.page(f"/sittings/{sid}/challenges/hello-route")
    url = f"/sittings/{sid}/challenges/hello-route/activity"
    codes = [(await cand.post(url, {"kind": "left"})).status_code for _ in range(activity.PER_MINUTE + 1)]
    assert codes[:-1] == [204] * activity.PER_MINUTE and codes[-1] == 429
    other = Client(app)
    await other.signup("other@example.com")
    assert (await other.post(url, {"kind": "left"})).status_code == 404  # not their session
    assert (await cand.post(f"/sittings/{sid}/challenges/nope/activity", {"kind": "left"})).status_code == 404
    store = app.state.store
    with store.write() as conn:  # an old session full of events: later ones are dropped, not stored
        conn.execute("UPDATE sitting_activity SET at = at - 120")
        conn.executemany("INSERT INTO sitting_activity (sitting_id, challenge, kind, at) "
                         "VALUES (?, 'hello-route', 'left', 0)", [(sid,)] * activity.MAX_PER_SESSION)
    assert (await cand.post(url, {"kind": "left"})).status_code == 204
    assert len(activity.list_for(store, sitting_id=sid, challenge="hello-route")) == \
        activity.MAX_PER_SESSION + activity.PER_MINUTE
