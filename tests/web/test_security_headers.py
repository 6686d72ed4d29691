"""Security headers on every response, and prompts that cannot load anything from another host."""

from __future__ import annotations

import re

import pytest
from conftest import Client
from fastapi import FastAPI

from proctor.web.markdown import render_markdown, render_prompt
from proctor.web.security_headers import CONTENT_SECURITY_POLICY
from proctor.web.templating import TEMPLATES_DIR

pytestmark = pytest.mark.anyio


async def test_every_answer_has_the_security_headers(app: FastAPI, alice: Client, client: Client) -> None:
    answers = [await alice.get("/"), await alice.get("/dashboard"), await client.get("/login"),
               await client.get("/no-such-page"), await client.get("/api/v1/challenges"),
               await client.get("/health"), await client.get("/docs"),
               await client.http.post("/login", content=b"x" * (2 * 1024 * 1024)),
               await client.get("/static/proctor.css")]
    for response in answers:
        url = response.request.url.path
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, url
        assert "script-src 'self';" in CONTENT_SECURITY_POLICY and "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
        assert response.headers["x-content-type-options"] == "nosniff", url
        assert response.headers["referrer-policy"] == "same-origin", url
    *private, static = answers
    assert all(r.headers["cache-control"] == "no-store" for r in private)
    assert static.status_code == 200 and static.headers.get("cache-control") != "no-store"
    assert answers[-2].status_code == 413


def test_templates_have_no_inline_script_or_style() -> None:
    """What the policy forbids must not be in any page: <script> bodies, on* handlers, style attributes, hx-on,
    javascript: URLs. And htmx must not inject its indicator <style> (the CSS is in proctor.css instead)."""
    for template in sorted(TEMPLATES_DIR.glob("*.html")):
        html = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), template.name
        assert not re.search(r"\s(on[a-z]+|style|hx-on[^=]*)=", html), template.name
        assert "javascript:" not in html and "<style" not in html, template.name
    assert '"includeIndicatorStyles":false' in (TEMPLATES_DIR / "base.html").read_text()


@pytest.mark.parametrize("source", ["![pixel](https://tracker.example/p.gif)", "![pixel](//tracker.example/p.gif)",
                                    "![pixel](HTTP://tracker.example/p.gif)", "![pixel][ref]\n\n[ref]: https://t.example/p"])
def test_markdown_drops_images_from_other_hosts(source: str) -> None:
    html = render_markdown(source)
    assert "<img" not in html and "tracker" not in html and "t.example" not in html
    assert "[image: pixel]" in html
    assert "<img" not in render_prompt(source)


def test_markdown_keeps_images_of_this_site() -> None:
    assert '<img src="/static/diagram.png" alt="diagram"' in render_markdown("![diagram](/static/diagram.png)")
    assert '<img src="data:image/png;base64,AAAA"' in render_markdown("![dot](data:image/png;base64,AAAA)")
    assert "<a href=\"https://fastapi.tiangolo.com\">" in render_markdown("[docs](https://fastapi.tiangolo.com)")
