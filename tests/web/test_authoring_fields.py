"""The authoring form's fields: the slug is checked by the server as you type; the code fields get the editor."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from interviews import staff
from pagetree import parse


@pytest.mark.anyio
async def test_slug_is_checked_by_the_server_with_a_message(app: FastAPI) -> None:
    ivy = await staff(app, "ivy@example.com")
    page = await ivy.page("/authoring/new")
    assert "pattern" not in page.by_id("slug").attrs  # the browser's "match the format" would hide the reason
    # Slugs are stored in the author's namespace (-u<id>), so a catalog slug is free for her too.
    for slug, message in (("Bad Slug", "lower-case letters"), ("hello-route", "saved as “hello-route-u1”"),
                          ("x" * 51, "1 to 50"), ("orders-api", "is free")):
        response = await ivy.post("/authoring/slug", {"slug": slug}, htmx=True)
        assert response.status_code == 200
        assert message in parse(response.text).by_id("slug-message").text(), slug
    assert (await ivy.post("/authoring/slug", {"slug": "x" * 201}, htmx=True)).status_code == 422
    candidate = await staff(app, "cand@example.com", role="candidate")
    await candidate.get("/")
    assert (await candidate.post("/authoring/slug", {"slug": "orders-api"}, htmx=True)).status_code in (403, 404)


@pytest.mark.anyio
async def test_code_fields_use_the_editor(app: FastAPI) -> None:
    ivy = await staff(app, "ivy@example.com")
    page = await ivy.page("/authoring/new")
    for field in ("starter", "tests", "examples", "reference", "wrong-1"):
        assert "data-editor" in page.by_id(field).attrs, field
    assert "data-editor" not in page.by_id("prompt").attrs  # Markdown, with its live preview
    scripts = [s.attrs.get("src") for s in page.find_all("script")]
    assert "/static/vendor/editor.min.js" in scripts and "/static/authoring-editor.js" in scripts
