"""Every kind of challenge (http, pytest, static, quiz) carries its label wherever challenges are listed: the catalog,
the dashboard's mastery table, the API, the authoring list, the assessment form, and the candidate's session
pages."""

from __future__ import annotations

import pytest
from conftest import Client
from fastapi import FastAPI
from interviews import create_assessment, invite, staff, start
from pagetree import Element
from test_api_tokens import api, bearer, create
from test_authoring import run_validations
from test_authoring_kinds import quiz_pack

from proctor.web.kinds import KIND_LABELS

pytestmark = pytest.mark.anyio
ONE_OF_EACH = {"hello-route": "http", "write-the-tests": "pytest", "dockerfile": "static", "quiz-testing": "quiz"}


def badges(element: Element) -> dict[str, str]:
    return {b.attrs["data-kind"]: b.text().strip() for b in element.find_all("span", class_="badge-kind")}


async def test_the_catalog_labels_every_kind(client: Client) -> None:
    page = await client.page("/")
    for slug, kind in ONE_OF_EACH.items():
        card = next(li for li in page.find_all("li", class_="card") if li.attrs["data-slug"] == slug)
        assert badges(card) == {kind: KIND_LABELS[kind]}
    assert KIND_LABELS["static"] == "You write a Dockerfile"


async def test_the_dashboard_lists_the_kinds_of_each_topic(client: Client) -> None:
    await client.signup("cand@example.com")
    table = (await client.page("/dashboard")).by_id("mastery-table")
    rows = {tr.attrs["data-section"]: tr for tr in table.find_all("tr") if tr.attrs.get("data-section")}
    assert {"pytest", "quiz"} <= set(badges(rows["21"]))  # write-the-tests and quiz-testing
    assert "static" in badges(rows["22"]) and badges(rows["22"])["static"] == "You write a Dockerfile"
    assert "http" in badges(rows["6"])  # hello-route


async def test_the_api_gives_each_challenge_its_kind_label(app: FastAPI, client: Client) -> None:
    await client.signup("script@example.com")
    secret = await create(client)
    async with api(app) as http:
        listed = (await http.get("/api/v1/challenges", headers=bearer(secret))).json()
        one = (await http.get("/api/v1/challenges/dockerfile", headers=bearer(secret))).json()
    by_slug = {c["slug"]: c for c in listed}
    for slug, kind in ONE_OF_EACH.items():
        assert (by_slug[slug]["kind"], by_slug[slug]["kind_label"]) == (kind, KIND_LABELS[kind])
    assert one["kind_label"] == "You write a Dockerfile"


async def test_the_assessment_form_and_the_session_pages_label_every_kind(app: FastAPI, client: Client) -> None:
    ivy = await staff(app, "ivy@example.com")
    await ivy.get("/authoring/new?kind=quiz")
    assert (await ivy.post("/authoring", quiz_pack())).status_code == 303
    assert run_validations(app) == 1
    listed = (await ivy.page("/authoring")).find("tr", data_slug="body-quiz-u1")
    assert badges(listed) == {"quiz": "Quiz"}
    form = (await ivy.page("/assessments/new")).by_id("assessment-form")
    items = {li.find("input").attrs["value"]: li for li in form.find_all("li")}
    for slug, kind in {**ONE_OF_EACH, "body-quiz-u1": "quiz"}.items():  # her own quiz too, not only the catalog's
        assert badges(items[slug]) == {kind: KIND_LABELS[kind]}

    aid = await create_assessment(ivy, tuple(ONE_OF_EACH))
    path = await invite(ivy, aid, "cand@example.com")
    await client.signup("cand@example.com")
    sid = await start(client, path)
    session = await client.page(f"/sittings/{sid}")
    for slug, kind in ONE_OF_EACH.items():
        row = session.find("tr", data_challenge=slug)
        assert badges(row) == {kind: KIND_LABELS[kind]}
    for slug in ("write-the-tests", "dockerfile"):
        h1 = (await client.page(f"/sittings/{sid}/challenges/{slug}")).find("h1")
        assert KIND_LABELS[ONE_OF_EACH[slug]] in h1.text()
    assert "Quiz" in (await client.page(f"/sittings/{sid}/quizzes/quiz-testing")).find("h1").text()
