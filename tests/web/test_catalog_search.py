"""The catalog's text search: by title, slug, summary or topic, kept in the URL, bounded for the page cache."""

from __future__ import annotations

import pytest
from conftest import Client


def slugs(page: object) -> list[str]:
    return [li.attrs["data-slug"] for li in page.find_all("li", class_="card")]  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_search_by_title_and_topic(client: Client) -> None:
    everything = slugs(await client.page("/"))
    assert len(everything) > 20
    assert slugs(await client.page("/?q=JWT")) == ["oauth2-jwt", "write-the-tests-auth"]  # any case
    by_topic = slugs(await client.page("/?q=websockets"))  # a section's title
    assert "websocket-chat" in by_topic and len(by_topic) < len(everything)
    both = slugs(await client.page("/?q=quiz++testing"))  # every word, spaces collapsed
    assert both == ["quiz-testing"]
    page = await client.page("/?q=no+such+thing")
    assert slugs(page) == [] and "no such thing" in page.by_id("catalog-results").text()
    assert page.by_id("filter-q").attrs["value"] == "no such thing"  # the box shows what was searched
    fragment = await client.page("/?q=jwt&difficulty=hard", htmx=True)
    assert fragment.by_id("catalog-results") is not None and fragment.by_id("filter-q") is None


@pytest.mark.anyio
async def test_search_text_is_capped(client: Client) -> None:
    page = await client.page("/?q=" + "route " * 100)
    assert len(page.by_id("filter-q").attrs["value"]) <= 40
    assert "hello-route" in slugs(page)
