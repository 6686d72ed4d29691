"""Ordering questions on the quiz pages (proctor/web/quiz_ordering.py, _quiz_ordering.html): a labelled
position select per item, answers read back in position order and graded with partial credit, and the new
quiz packs in the catalog and the API."""

from __future__ import annotations

import json

import pytest
from conftest import Client
from fastapi import FastAPI
from interviews import create_assessment, invite, staff, start
from pagetree import Element
from test_quiz_pages import answers_form, assert_no_key, grade_queued

from proctor.grading.quiz import load_key, load_quiz
from proctor.store import drafts, sittings, submissions, users

pytestmark = pytest.mark.anyio
SLUG = "quiz-foundations"
QUESTION = "request-lifecycle"
NEW_QUIZZES = ("quiz-foundations", "quiz-design-choices")


def key_order(app: FastAPI) -> list[str]:
    return list(load_key(app.state.catalog.get(SLUG)).questions[QUESTION].correct)


def listed(app: FastAPI) -> list[str]:
    return next(q for q in load_quiz(app.state.catalog.get(SLUG)).questions if q.id == QUESTION).choice_ids()


def positions_form(order: list[str]) -> dict[str, str]:
    return {f"position-{QUESTION}-{item}": str(n) for n, item in enumerate(order, start=1)}


def alice_id(app: FastAPI) -> int:
    user = users.get_by_email(app.state.store, email="alice@example.com")
    assert user is not None
    return user.id


def choice_answers(app: FastAPI) -> dict[str, list[str]]:
    ref = json.loads(app.state.catalog.get(SLUG).reference_files()["answers.json"])
    return answers_form({q: a for q, a in ref.items() if q != QUESTION})


def shown_order(page: Element) -> list[str]:
    """The items as the page lists them, checking each select's position matches its place."""
    fieldset = page.find("fieldset", data_question=QUESTION)
    selects = fieldset.find_all("select")
    for n, select in enumerate(selects, start=1):
        chosen = [o for o in select.find_all("option") if "selected" in o.attrs]
        assert [o.attrs["value"] for o in chosen] == [str(n)]
    return [s.attrs["name"].removeprefix(f"position-{QUESTION}-") for s in selects]


async def test_the_catalog_and_the_api_list_the_new_quizzes(alice: Client) -> None:
    page = await alice.page("/")
    listing = (await alice.get("/api/v1/challenges")).json()
    for slug in NEW_QUIZZES:
        card = page.find("li", data_slug=slug)
        assert card is not None and card.attrs["data-kind"] == "quiz"
        assert card.find("a").attrs["href"] == f"/quizzes/{slug}"
        assert {"slug": slug, "kind": "quiz"}.items() <= next(c for c in listing if c["slug"] == slug).items()
    detail = (await alice.get(f"/api/v1/challenges/{SLUG}")).json()
    question = next(q for q in detail["quiz"]["questions"] if q["id"] == QUESTION)
    assert question["kind"] == "ordering" and len(question["choices"]) == 8


async def test_the_dashboard_and_the_assessment_form_show_the_new_quizzes(app: FastAPI, alice: Client) -> None:
    chart = (await alice.page("/dashboard")).find("svg", class_="mastery").text()
    for topic in ("What is FastAPI?", "What is FastAPI built on?", "Why FastAPI is fast"):  # no pack had them
        assert topic in chart
    ivy = await staff(app, "ivy@example.com")
    form = await ivy.page("/assessments/new")
    for slug in NEW_QUIZZES:
        assert form.find("input", name="challenges", value=slug) is not None
    aid = await create_assessment(ivy, NEW_QUIZZES)
    overview = (await ivy.get(f"/assessments/{aid}")).text
    assert all(slug in overview for slug in NEW_QUIZZES)


async def test_an_ordering_question_is_a_labelled_select_per_item(app: FastAPI, alice: Client) -> None:
    response = await alice.get(f"/quizzes/{SLUG}")
    assert response.status_code == 200
    assert_no_key(response.text, SLUG)
    page = await alice.page(f"/quizzes/{SLUG}")
    fieldsets = page.find_all("fieldset", class_="question")
    questions = load_quiz(app.state.catalog.get(SLUG)).questions
    assert [f.attrs["data-question"] for f in fieldsets] == [q.id for q in questions]
    fieldset = page.find("fieldset", data_question=QUESTION)
    assert "Question 9 of 10" in fieldset.find("legend").text()
    assert fieldset.find_all("input") == []  # no radio buttons: the ordering partial replaces the choices
    selects = fieldset.find_all("select")
    assert len(selects) == 8
    for select in selects:
        assert [o.attrs["value"] for o in select.find_all("option")] == [str(n) for n in range(1, 9)]
        label = fieldset.find("label", for_=select.attrs["id"])
        assert label is not None and label.text().strip()
        assert label.attrs["id"] in select.attrs["aria-labelledby"]
    assert shown_order(page) == listed(app)  # nothing saved: as the quiz lists them
    assert page.find("script", src="/static/ordering.js") is not None
    assert page.find("link", href="/static/ordering.css") is not None
    assert (await alice.get("/static/ordering.js")).status_code == 200


async def test_submitting_an_ordering_answer_through_the_page(app: FastAPI, alice: Client) -> None:
    right = key_order(app)
    await alice.get(f"/quizzes/{SLUG}")
    r = await alice.post(f"/quizzes/{SLUG}/submissions", {**choice_answers(app), **positions_form(right)}, htmx=True)
    assert r.status_code == 200
    grade_queued(app)
    stored = submissions.list_for(app.state.store, user_id=alice_id(app), challenge=SLUG, suite=None, limit=1)[0]
    assert json.loads(stored.files["answers.json"])[QUESTION] == right
    page = await alice.page(f"/submissions/{stored.id}")
    assert page.by_id("final-score").text() == "100"

    moved = right[1:3] + right[:1] + right[3:]  # the first step moved to third: 7 of 8 keep their order
    r = await alice.post(f"/quizzes/{SLUG}/submissions", {**choice_answers(app), **positions_form(moved)}, htmx=True)
    grade_queued(app)
    stored = submissions.list_for(app.state.store, user_id=alice_id(app), challenge=SLUG, suite=None, limit=1)[0]
    page = await alice.page(f"/submissions/{stored.id}")
    item = page.find("li", data_test=QUESTION)
    assert "test-failed" in item.attrs["class"] and item.find("span", class_="points").text() == "3/4"
    assert "7 of 8" in item.text()
    assert page.by_id("final-score").text() == "94.12"  # 16 of 17 points
    assert shown_order(await alice.page(f"/quizzes/{SLUG}")) == moved  # the page shows the order it graded


async def test_positions_without_javascript(app: FastAPI, alice: Client) -> None:
    """Without the script two items may share a position: they keep the order the quiz lists them in. A
    position that is missing or outside 1..n leaves the question unanswered; nothing else is lost."""
    items = listed(app)
    await alice.get(f"/quizzes/{SLUG}")
    tied = {**positions_form(items), f"position-{QUESTION}-{items[0]}": "2"}  # the first two both at 2
    await alice.post(f"/quizzes/{SLUG}/draft", {**choice_answers(app), **tied}, htmx=True)
    saved = json.loads(drafts.get(app.state.store, user_id=alice_id(app), challenge=SLUG)["answers.json"])
    assert saved[QUESTION] == items and saved["what-is-fastapi"] == ["b"]

    for bad in ("9", "0", "x", ""):
        form = {**choice_answers(app), **positions_form(items[::-1]), f"position-{QUESTION}-{items[3]}": bad}
        await alice.post(f"/quizzes/{SLUG}/draft", form, htmx=True)
        saved = json.loads(drafts.get(app.state.store, user_id=alice_id(app), challenge=SLUG)["answers.json"])
        assert QUESTION not in saved and saved["what-is-fastapi"] == ["b"], bad
    missing = {k: v for k, v in positions_form(items).items() if not k.endswith(items[5])}
    await alice.post(f"/quizzes/{SLUG}/draft", {**choice_answers(app), **missing}, htmx=True)
    saved = json.loads(drafts.get(app.state.store, user_id=alice_id(app), challenge=SLUG)["answers.json"])
    assert QUESTION not in saved
    assert shown_order(await alice.page(f"/quizzes/{SLUG}")) == items


async def test_an_ordering_question_in_a_timed_session(app: FastAPI, client: Client) -> None:
    ivy = await staff(app, "ivy@example.com")
    aid = await create_assessment(ivy, (SLUG,), visibility="during")
    await client.signup("cand@example.com")
    sid = await start(client, await invite(ivy, aid, "cand@example.com"))
    base = f"/sittings/{sid}/quizzes/{SLUG}"
    assert shown_order(await client.page(base)) == listed(app)
    reversed_ = key_order(app)[::-1]
    saved = await client.post(base + "/draft", positions_form(reversed_), htmx=True)
    assert saved.status_code == 200 and shown_order(await client.page(base)) == reversed_
    r = await client.post(base + "/submissions", {**choice_answers(app), **positions_form(key_order(app))}, htmx=True)
    assert r.status_code == 200
    grade_queued(app)
    page = await client.page(base)
    fieldset = page.find("fieldset", data_question=QUESTION)
    assert "disabled" in fieldset.attrs and shown_order(page) == key_order(app)  # locked, as submitted
    assert page.by_id("final-score").text() == "100"
    subs = sittings.session_submissions(app.state.store, session_id=sid)
    assert json.loads(subs[0].files["answers.json"])[QUESTION] == key_order(app)
