"""Sittings were under /sessions before they had one name (issue 13 §2); old links still land."""

from __future__ import annotations

import pytest
from conftest import Client

pytestmark = pytest.mark.anyio


async def test_an_old_sitting_link_is_redirected_with_its_query(client: Client) -> None:
    answer = await client.get("/sessions/5/challenges/hello-route?x=1", follow_redirects=False)
    assert answer.status_code == 308
    assert answer.headers["location"] == "/sittings/5/challenges/hello-route?x=1"
    assert (await client.get("/sessions", follow_redirects=False)).headers["location"] == "/sittings"
