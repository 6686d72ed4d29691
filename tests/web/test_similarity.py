"""Winnowing fingerprints: a renamed copy is flagged, independent solutions are not; flags reach the results."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Client
from fastapi import FastAPI
from interviews import create_assessment, invite, staff, start

from proctor.review.similarity import THRESHOLD, fingerprint, normalised_tokens, shared_lines, similarity
from proctor.settings import PROJECT_ROOT

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
        await c.post(f"/sittings/{sid}/challenges/request-body/draft", {"filename": "app.py", "content": code})
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


SMALL_STARTER = (PROJECT_ROOT / "challenges/hello-route/starter/app.py").read_text()
SMALL = SMALL_STARTER.replace("    # TODO: return the greeting described in the prompt\n    return {}",
                              '    return {"message": "Hello World"}')


async def small_pair(app: FastAPI) -> tuple[Client, int, dict[str, int]]:
    """Two candidates with the same two-line hello-route solution: too little own code to flag."""
    ivy = await staff(app, "ivy@example.com")
    aid = await create_assessment(ivy, ("hello-route",))
    sessions = {}
    for email, code in (("one@example.com", SMALL), ("two@example.com", SMALL.replace("Hello World", "Hi"))):
        path = await invite(ivy, aid, email)
        c = Client(app)
        await c.signup(email)
        sessions[email] = sid = await start(c, path)
        await c.post(f"/sittings/{sid}/challenges/hello-route/draft", {"filename": "app.py", "content": code})
        await c.aclose()
    return ivy, aid, sessions


@pytest.mark.anyio
async def test_small_solutions_percentage_agrees_with_the_highlighting(app: FastAPI) -> None:
    ivy, aid, s = await small_pair(app)
    view = await ivy.page(f"/assessments/{aid}/similarity?challenge=hello-route"
                          f"&a={s['one@example.com']}&b={s['two@example.com']}")
    assert view.find_all("span", data_shared="true")  # the shared return line is highlighted...
    score = view.by_id("similarity-score")
    assert "100%" in score.text()  # ...and the percentage says so, rather than 0%
    assert view.by_id("similarity-too-small") is not None  # with why the pair is not flagged
    legend = view.find("ul", class_="legend")
    assert legend is not None and len(legend.find_all("span", class_="swatch")) == 2


@pytest.mark.anyio
async def test_results_table_links_every_candidate_to_the_similarity_view(app: FastAPI) -> None:
    ivy, aid, s = await small_pair(app)
    page = await ivy.page(f"/assessments/{aid}/results")
    row = page.find("tr", data_session=str(s["one@example.com"]))
    assert row.find("a", class_="flag") is None  # not flagged...
    link = row.find("a", class_="similar-link")  # ...yet one click from the shared code
    assert link is not None and "two@example.com" in link.text()
    view = await ivy.page(link.attrs["href"])
    assert view.by_id("similarity-score") is not None
