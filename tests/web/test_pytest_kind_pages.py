"""Pages of a kind = "pytest" challenge: the catalog marks it, and its page shows the starter suite (the browser test,
test_browser_write_the_tests.py, runs and submits it)."""

from __future__ import annotations

import pytest
from conftest import Client
from fastapi import FastAPI
from interviews import create_assessment, invite, staff, start


@pytest.mark.anyio
async def test_the_catalog_marks_a_write_the_tests_challenge(client: Client) -> None:
    page = await client.page("/")
    card = next(li for li in page.find_all("li", class_="card") if li.attrs["data-slug"] == "write-the-tests")
    assert card.attrs["data-kind"] == "pytest"
    assert "You write the tests" in card.text()
    challenge = await client.page("/challenges/write-the-tests")
    assert "test_app.py" in challenge.text() and "def test_hammer_is_listed(client)" in challenge.text()


@pytest.mark.anyio
async def test_a_write_the_tests_challenge_can_be_sat_in_an_assessment(app: FastAPI, client: Client) -> None:
    ivy = await staff(app, "ivy@example.com")
    aid = await create_assessment(ivy, ("write-the-tests",))
    await client.signup("cand@example.com")
    sid = await start(client, await invite(ivy, aid, "cand@example.com"))
    base = f"/sittings/{sid}/challenges/write-the-tests"
    page = await client.page(base)
    assert "def test_hammer_is_listed(client)" in page.text()
    sent = await client.post(base + "/submissions", {"filename": "test_app.py",
                                                     "content": "def test_x(client):\n    pass\n"})
    assert sent.status_code in (200, 303), sent.text  # queued, where a code route used to answer 404
    with app.state.store.read() as conn:
        rows = conn.execute("SELECT challenge FROM submissions WHERE sitting_id = ?", (sid,)).fetchall()
    assert [r[0] for r in rows] == ["write-the-tests"]
