"""Winnowing fingerprints: a renamed copy is flagged, independent solutions are not; flags reach the results."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Client
from fastapi import FastAPI
from interviews import create_assessment, invite, staff, start

from proctor.settings import PROJECT_ROOT
from proctor.web.similarity import THRESHOLD, fingerprint, normalised_tokens, shared_lines, similarity

HERE = Path(__file__).parent / "similar"
STARTER = (PROJECT_ROOT / "challenges/request-body/starter/app.py").read_text()
ORIGINAL, RENAMED, INDEPENDENT = ((HERE / f"{n}.py").read_text() for n in ("original", "renamed", "independent"))


def test_names_and_literals_are_normalised() -> None:
    assert [t.text for t in normalised_tokens("total = count + 1  # hi\n")] == ["V", "=", "V", "+", "N"]
    assert [t.text for t in normalised_tokens("if x: return 'a'\n")] == ["if", "V", ":", "return", "S"]


def test_renamed_copy_is_flagged() -> None:
    a, b = fingerprint(ORIGINAL, ignore=STARTER), fingerprint(RENAMED, ignore=STARTER)
    assert similarity(a, b) >= THRESHOLD
    assert len(shared_lines(a, b)) > 15


def test_independent_solutions_are_not_flagged() -> None:
    a, b = fingerprint(ORIGINAL, ignore=STARTER), fingerprint(INDEPENDENT, ignore=STARTER)
    assert similarity(a, b) < THRESHOLD


def test_starter_code_alone_is_never_similar() -> None:
    assert similarity(fingerprint(STARTER, ignore=STARTER), fingerprint(STARTER + "\n", ignore=STARTER)) == 0.0




@pytest.mark.anyio
async def test_flags_in_results_and_side_by_side(app: FastAPI) -> None:
    ivy = await staff(app, "ivy@example.com")
    aid = await create_assessment(ivy, ("request-body",))
    sessions = {}
    for email, code in (("one@example.com", ORIGINAL), ("two@example.com", RENAMED),
                        ("three@example.com", INDEPENDENT)):
        path = await invite(ivy, aid, email)
        c = Client(app)
        await c.signup(email)
        sid = await start(c, path)
        await c.post(f"/sessions/{sid}/challenges/request-body/draft", {"filename": "app.py", "content": code})
        sessions[email] = sid
        await c.aclose()
    page = await ivy.page(f"/assessments/{aid}/results")
    one = page.find("tr", data_session=str(sessions["one@example.com"]))
    three = page.find("tr", data_session=str(sessions["three@example.com"]))
    assert one.find("a", class_="flag") is not None and "two@example.com" in one.find("a", class_="flag").text()
    assert three.find("a", class_="flag") is None
    flagged = await ivy.page(f"/assessments/{aid}/results?flagged=1", htmx=True)
    assert flagged.find("tr", data_session=str(sessions["three@example.com"])) is None
    view = await ivy.page(one.find("a", class_="flag").attrs["href"])
    assert len(view.find_all("span", data_shared="true")) > 15
    assert "%" in view.by_id("similarity-score").text()
    compare = await ivy.page(f"/assessments/{aid}/compare?a={sessions['one@example.com']}"
                             f"&b={sessions['three@example.com']}&challenge=request-body")
    assert "itertools" in compare.text() and compare.find("pre", class_="diff") is not None
