"""The page cache: a cached page follows the state it shows, and carries each browser's own CSRF token."""

from __future__ import annotations

import pytest
from conftest import Client
from fastapi import FastAPI
from pagetree import parse

from proctor.store import submissions
from proctor.web.templating import PageCache

anyio = pytest.mark.anyio


def finish(app: FastAPI, submission_id: int, score: float) -> None:
    store = app.state.store
    claimed = submissions.claim(store, lease_seconds=30)
    assert claimed is not None and claimed.id == submission_id
    result = {"status": "graded", "score": score, "points": int(score), "max_points": 100, "message": "",
              "output": "", "tests": []}
    assert submissions.finish(store, submission_id=submission_id, token=claimed.lease_token or "", result=result,
                              result_status="graded", score=score)


async def submit(alice: Client) -> int:
    response = await alice.submit(htmx=True)
    assert response.status_code == 200, response.text
    return int(parse(response.text).by_id("submission-status").find("a").attrs["href"].rsplit("/", 1)[1])


@anyio
async def test_a_cached_page_follows_drafts_and_results(app: FastAPI, alice: Client) -> None:
    pages: PageCache = app.state.pages
    first = await alice.get("/challenges/hello-route")
    cached = len(pages)
    again = await alice.get("/challenges/hello-route")
    assert again.text == first.text and len(pages) == cached  # the second view was a hit

    await alice.post("/challenges/hello-route/draft", {"filename": "app.py", "content": "# draft one\n"})
    page = await alice.page("/challenges/hello-route")
    assert page.find("textarea", name="content").text().strip() == "# draft one"

    submission_id = await submit(alice)
    page = await alice.page("/challenges/hello-route")
    assert page.by_id("submission-status").attrs["data-status"] == "queued"
    finish(app, submission_id, 50.0)
    page = await alice.page("/challenges/hello-route")
    assert page.by_id("submission-status").attrs["data-status"] == "done"
    assert page.by_id("final-score").text() == "50"
    catalog = await alice.page("/")
    assert catalog.find("li", data_slug="hello-route").find("strong", class_="best-score").text() == "50"

    finish(app, await submit(alice), 100.0)
    page = await alice.page("/challenges/hello-route")
    assert page.by_id("final-score").text() == "100"
    catalog = await alice.page("/")
    card = catalog.find("li", data_slug="hello-route")
    assert card.find("strong", class_="best-score").text() == "100" and "Solved" in card.text()


@anyio
async def test_each_browser_gets_its_own_token_from_a_cached_page(app: FastAPI, client: Client) -> None:
    other = Client(app)
    try:
        mine, theirs = await client.page("/"), await other.page("/")
        token_mine = mine.find("input", name="csrf_token")
        token_theirs = theirs.find("input", name="csrf_token")
        assert len(app.state.pages) == 1  # one rendering served both
        assert token_mine is None and token_theirs is None  # the anonymous catalog has no form posting a token
        mine_body = mine.find("body").attrs["hx-headers"]
        theirs_body = theirs.find("body").attrs["hx-headers"]
        assert mine_body != theirs_body and app.state.pages.hole not in mine_body
        for c, headers in ((client, mine_body), (other, theirs_body)):
            token = headers.split('"')[3]
            response = await c.http.post("/login", data={"email": "x@example.com", "password": "wrong-password",
                                                         "csrf_token": token})
            assert response.status_code != 403, response.text  # the token matches that browser's cookie
    finally:
        await other.aclose()


@anyio
async def test_one_users_page_never_reaches_another(alice: Client, bob: Client) -> None:
    for url in ("/", "/challenges/hello-route"):
        a, b = await alice.get(url), await bob.get(url)
        assert "alice@example.com" in a.text and "bob@example.com" not in a.text
        assert "bob@example.com" in b.text and "alice@example.com" not in b.text


def test_the_cache_keeps_to_its_size() -> None:
    cache = PageCache(max_chars=10_000)
    for i in range(100):
        cache.put(i, f"<p>{i}</p>" + "x" * 500)
    assert sum(len(b"".join(p)) for p in (cache.get(k) for k in range(100)) if p) <= 10_000
    assert cache.get(99) is not None and cache.get(0) is None  # the oldest went first
    cache.put("huge", "y" * 5_000)
    assert cache.get("huge") is None  # one page may not take over the cache
    parts = cache.put("holes", f"a{cache.hole}b{cache.hole}c")
    assert b"TOKEN".join(parts) == b"aTOKENbTOKENc"
