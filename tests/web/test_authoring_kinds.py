"""The authoring form for each kind: pytest packs (an app, its mutants, a reference suite) and quizzes (quiz.toml and
key.toml as typed); static is not offered, and the form says why."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from interviews import staff
from test_authoring import run_validations

from proctor.grading.mutants import mutant_problems, mutants
from proctor.grading.packs import Challenge, default_catalog
from proctor.settings import PROJECT_ROOT
from tests.conftest import SETTINGS

pytestmark = pytest.mark.anyio
WTT = PROJECT_ROOT / "graders/write-the-tests"
MUTANT_NAMES = ("buy-decrements-twice", "404-without-x-error", "min-stock-off-by-one")
QUIZ = '''[[questions]]
id = "bad-body"
sections = [8]
text = "A request body fails validation. What does FastAPI answer?"
choices = [{ id = "a", text = "400" }, { id = "b", text = "422" }]

[[questions]]
id = "pydantic-does"
sections = [8]
multiple = true
text = "What does Pydantic do for a request body?"
choices = [{ id = "a", text = "Parses it" }, { id = "b", text = "Validates it" }, { id = "c", text = "Routes it" }]

[[questions]]
id = "lifecycle"
sections = [8]
kind = "ordering"
text = "Put the steps in order."
choices = [{ id = "handler", text = "The handler runs" }, { id = "validate", text = "The body is validated" },
           { id = "route", text = "The route matches" }]
'''
KEY = '''[questions.bad-body]
correct = ["b"]
explanation = "Unprocessable Entity: validation fails before the endpoint runs."

[questions.pydantic-does]
correct = ["a", "b"]

[questions.lifecycle]
correct = ["route", "validate", "handler"]
'''


def pytest_pack(**over: Any) -> dict[str, Any]:
    shop = {m.name: m for m in mutants(default_catalog(SETTINGS).get("write-the-tests"))}  # patches applied
    why = [shop[m].description for m in MUTANT_NAMES]
    code = [shop[m].files["app.py"].decode() for m in MUTANT_NAMES]
    return {"kind": "pytest", "slug": "shop-tests", "title": "Shop tests", "difficulty": "medium", "minutes": "20",
            "prompt": "# Shop\n\nTest the shop.", "app": (WTT / "app/app.py").read_text(),
            "starter": (PROJECT_ROOT / "challenges/write-the-tests/starter/test_app.py").read_text(),
            "reference": (WTT / "reference/test_app.py").read_text(), "why": why, "mutant": code,
            "wrong": [(WTT / "wrong/status-only/test_app.py").read_text()], **over}


def quiz_pack(**over: Any) -> dict[str, Any]:
    return {"kind": "quiz", "slug": "body-quiz", "title": "Body quiz", "difficulty": "easy", "minutes": "5",
            "prompt": "# Bodies\n\nAnswer them.", "quiz": QUIZ, "key": KEY, **over}


async def test_the_new_form_offers_each_kind_and_says_why_static_is_not_offered(app: FastAPI) -> None:
    ivy = await staff(app, "ivy@example.com")
    page = await ivy.page("/authoring/new")
    options = [o.attrs["value"] for o in page.by_id("kind-form").find_all("option")]
    assert options == ["http", "pytest", "quiz"]
    assert "not offered" in page.by_id("static-note").text() and "checker" in page.by_id("static-note").text()
    tests = await ivy.page("/authoring/new?kind=pytest")
    assert tests.find("input", name="kind").attrs["value"] == "pytest"
    assert tests.find("textarea", name="app") is not None and len(tests.find_all("input", name="why")) == 8
    assert tests.find("textarea", name="tests") is None  # the mutants grade, not hidden tests
    quiz = await ivy.page("/authoring/new?kind=quiz")
    assert quiz.find("textarea", name="quiz") is not None and quiz.find("textarea", name="key") is not None
    assert quiz.find("textarea", name="reference") is None
    assert (await ivy.page("/authoring/new?kind=static")).find("input", name="kind").attrs["value"] == "http"


async def test_a_pytest_pack_is_stored_as_the_format_and_validated_by_the_queued_job(app: FastAPI) -> None:
    seen: list[Challenge] = []
    ivy = await staff(app, "ivy@example.com")
    await ivy.get("/authoring/new?kind=pytest")
    r = await ivy.post("/authoring", pytest_pack())
    assert r.status_code == 303 and r.headers["location"] == "/authoring/shop-tests-u1"
    assert run_validations(app, lambda c: seen.append(c) or []) == 1
    challenge = seen[0]
    assert challenge.kind == "pytest" and challenge.files == ["test_app.py"] and mutant_problems(challenge) == []
    assert [m.description for m in mutants(challenge)] == pytest_pack()["why"]
    assert list(challenge.wrong_cases()["case-1"].files) == ["test_app.py"]
    assert "test_" in challenge.reference_files()["test_app.py"].decode()
    page = await ivy.page("/authoring/shop-tests-u1")
    assert page.by_id("pack-validated") is not None
    assert page.find("input", id="why-2").attrs["value"] == pytest_pack()["why"][1]  # round trip into the form
    assert "You write the tests" in page.by_id("pack-kind").text()
    # an edit keeps the kind, whatever the form says
    r = await ivy.post("/authoring/shop-tests-u1", {**pytest_pack(), "kind": "http", "title": "Shop tests 2"})
    assert r.status_code == 303
    run_validations(app, lambda c: seen.append(c) or [])
    assert seen[-1].kind == "pytest" and seen[-1].title == "Shop tests 2"


async def test_a_pytest_pack_needs_three_described_mutants_and_loses_nothing(app: FastAPI) -> None:
    ivy = await staff(app, "ivy@example.com")
    await ivy.get("/authoring/new?kind=pytest")
    pack = pytest_pack()
    r = await ivy.post("/authoring", {**pack, "why": ["", *pack["why"][1:]], "mutant": pack["mutant"][:2]})
    assert r.status_code == 400
    assert "Mutant 1 needs a one-line description" in r.text and "Mutant 3 has a description but no code" in r.text
    assert pack["why"][1] in r.text and "def test_" in r.text  # what was typed is still in the form
    r = await ivy.post("/authoring", {**pack, "why": pack["why"][:2], "mutant": pack["mutant"][:2]})
    assert r.status_code == 400 and "at least 3 mutants (you have 2)" in r.text
    r = await ivy.post("/authoring", {**pack, "why": ["x" * 201, *pack["why"][1:]]})
    assert r.status_code == 400 and "at most 200 characters" in r.text
    r = await ivy.post("/authoring", {**pack, "mutant": [*pack["mutant"][:2], "x" * (64 * 1024 + 1)]})
    assert r.status_code == 400 and "at most 64 KiB" in r.text
    assert run_validations(app, lambda c: []) == 0  # nothing was queued


async def test_a_quiz_is_checked_as_typed_then_validated_for_real(app: FastAPI) -> None:
    ivy = await staff(app, "ivy@example.com")
    await ivy.get("/authoring/new?kind=quiz")
    r = await ivy.post("/authoring", quiz_pack(quiz=QUIZ.replace('id = "bad-body"', 'id "bad-body"')))
    assert r.status_code == 400 and "Questions (quiz.toml) is not valid TOML" in r.text and "line 2" in r.text
    assert "Put the steps in order." in r.text  # kept
    r = await ivy.post("/authoring", quiz_pack(quiz=QUIZ.replace('{ id = "a", text = "400" }, ', "")))
    assert r.status_code == 400 and "questions.0.choices: List should have at least 2 items" in r.text
    r = await ivy.post("/authoring", quiz_pack(quiz=QUIZ.replace("sections = [8]", "sections = [99]", 1)))
    assert r.status_code == 400 and "bad-body: sections are guide sections, 1 to 26" in r.text
    r = await ivy.post("/authoring", quiz_pack(key=KEY.split("[questions.lifecycle]")[0]))
    assert r.status_code == 400 and "lifecycle: no entry in key.toml" in r.text
    r = await ivy.post("/authoring", quiz_pack(key=KEY.replace('correct = ["b"]', 'correct = ["a", "b"]')))
    assert r.status_code == 400 and "bad-body: a single-answer question needs exactly one correct choice" in r.text

    r = await ivy.post("/authoring", quiz_pack())
    assert r.status_code == 303 and r.headers["location"] == "/authoring/body-quiz-u1"
    assert run_validations(app) == 1  # the real check_pack: a quiz needs no sandbox
    page = await ivy.page("/authoring/body-quiz-u1")
    assert page.by_id("pack-validated") is not None, page.text()
    assert "Quiz" in page.by_id("pack-kind").text() and page.find("textarea", name="quiz").text().strip()
    challenge = app.state.challenges.get("body-quiz-u1")
    assert challenge.kind == "quiz" and challenge.sections == [8]


async def test_a_quiz_whose_key_makes_the_starter_score_100_is_refused_by_the_check(app: FastAPI) -> None:
    """An ordering question already in order is caught as typed; the rules of check_pack apply to quizzes too."""
    ivy = await staff(app, "ivy@example.com")
    await ivy.get("/authoring/new?kind=quiz")
    key = KEY.replace('["route", "validate", "handler"]', '["handler", "route", "validate"]')
    r = await ivy.post("/authoring", quiz_pack(key=key))
    assert r.status_code == 400 and "already more than half in order" in r.text


@pytest.mark.slow
async def test_a_pytest_pack_whose_suite_misses_a_mutant_is_refused_by_the_real_check(app: FastAPI, bwrap: Any) -> None:
    """The queued job runs check_pack in the sandbox: a mutant that behaves like the correct app survives the
    reference suite, so the reference scores below 100 and the form names the survivor's description."""
    ivy = await staff(app, "ivy@example.com")
    await ivy.get("/authoring/new?kind=pytest")
    pack = pytest_pack()
    same = pack["app"] + "\n# only a comment differs\n"
    r = await ivy.post("/authoring", {**pack, "why": [*pack["why"], "nothing at all is wrong"],
                                      "mutant": [*pack["mutant"], same]})
    assert r.status_code == 303
    assert run_validations(app, backend=bwrap) == 1
    problems = (await ivy.page("/authoring/shop-tests-u1")).by_id("pack-problems").text()
    assert "the reference scored" in problems and "nothing at all is wrong" in problems
