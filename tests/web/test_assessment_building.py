"""Building an assessment: reorder challenges, preview the intro, a blank email box after each invitation."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from interviews import create_assessment, staff
from pagetree import parse

from proctor.store import assessments

THREE = ("hello-route", "path-and-query", "request-body")


def order(page_or_app: object, aid: int) -> list[str]:
    found = assessments.get(page_or_app.state.store, assessment_id=aid)  # type: ignore[attr-defined]
    assert found is not None
    return found.challenges


@pytest.mark.anyio
async def test_move_challenges_up_and_down(app: FastAPI) -> None:
    ivy = await staff(app, "ivy@example.com")
    aid = await create_assessment(ivy, THREE)
    page = await ivy.page(f"/assessments/{aid}")
    items = page.by_id("assessment-challenges").find_all("li")
    assert [li.attrs["data-challenge"] for li in items] == list(THREE)
    assert page.by_id("move-up-hello-route").attrs.get("aria-disabled") == "true"  # the first can't go higher
    assert "aria-disabled" not in page.by_id("move-down-hello-route").attrs
    assert page.by_id("move-down-request-body").attrs.get("aria-disabled") == "true"  # nor the last lower
    response = await ivy.post(f"/assessments/{aid}/challenges/request-body/move", {"direction": "up"}, htmx=True)
    assert response.status_code == 200
    fragment = parse(response.text)
    assert [li.attrs["data-challenge"] for li in fragment.find_all("li")] == \
        ["hello-route", "request-body", "path-and-query"]
    response = await ivy.post(f"/assessments/{aid}/challenges/hello-route/move", {"direction": "down"})
    assert response.status_code == 303
    assert order(app, aid) == ["request-body", "hello-route", "path-and-query"]
    await ivy.post(f"/assessments/{aid}/challenges/path-and-query/move", {"direction": "down"})  # already last
    assert order(app, aid) == ["request-body", "hello-route", "path-and-query"]
    assert (await ivy.post(f"/assessments/{aid}/challenges/nope/move", {"direction": "up"})).status_code == 404
    assert (await ivy.post(f"/assessments/{aid}/challenges/hello-route/move", {"direction": "sideways"})
            ).status_code == 422
    # Saving the edit form (which lists the catalog's order) keeps the order set here.
    await ivy.get(f"/assessments/{aid}/edit")
    response = await ivy.post(f"/assessments/{aid}", {"title": "Backend screen", "intro": "", "challenges":
                                                      [*THREE, "routers"], "time_limit_minutes": "30",
                                                      "score_visibility": "after"})
    assert response.status_code == 303
    assert order(app, aid) == ["request-body", "hello-route", "path-and-query", "routers"]
    other = await staff(app, "other@example.com")
    await other.get("/assessments")
    assert (await other.post(f"/assessments/{aid}/challenges/hello-route/move", {"direction": "down"})
            ).status_code == 404


@pytest.mark.anyio
async def test_intro_preview_and_a_blank_email_after_inviting(app: FastAPI) -> None:
    ivy = await staff(app, "ivy@example.com")
    aid = await create_assessment(ivy)  # intro "Good *luck*"
    page = await ivy.page(f"/assessments/{aid}")
    assert page.by_id("intro-preview").find("em").text() == "luck"
    copy = page.find("button", data_copy_from="new-link")
    assert copy is None  # no link yet
    response = await ivy.post(f"/assessments/{aid}/invitations", {"email": "cand@example.com", "days": "7"},
                              htmx=True)
    assert response.status_code == 201
    fragment = parse(response.text)
    form = fragment.by_id("invite-form")
    assert form.attrs.get("hx-swap-oob") == "true" and "value" not in fragment.by_id("invite-email").attrs
    button = fragment.find("button", data_copy_from="new-link")
    assert button is not None and "onclick" not in button.attrs
    bad = await ivy.post(f"/assessments/{aid}/invitations", {"email": "nobody", "days": "7"}, htmx=True)
    assert bad.status_code == 400 and parse(bad.text).by_id("invite-form") is None  # the typed email stays
