"""Pages of a kind = "pytest" challenge: the catalog marks it, and its page shows the starter suite (the browser test,
test_browser_write_the_tests.py, runs and submits it)."""

from __future__ import annotations

import pytest
from conftest import Client


@pytest.mark.anyio
async def test_the_catalog_marks_a_write_the_tests_challenge(client: Client) -> None:
    page = await client.page("/")
    card = next(li for li in page.find_all("li", class_="card") if li.attrs["data-slug"] == "write-the-tests")
    assert card.attrs["data-kind"] == "pytest"
    assert "You write the tests" in card.text()
    challenge = await client.page("/challenges/write-the-tests")
    assert "test_app.py" in challenge.text() and "def test_hammer_is_listed(client)" in challenge.text()
