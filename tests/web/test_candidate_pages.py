"""Issue 12's candidate pages, as HTML: read-only challenges for visitors, `next` kept through sign-up, the live
panel, quiz feedback and the app's log. The browser half is test_browser_candidate.py."""

from __future__ import annotations

import pytest
from conftest import PASSWORD, Client
from fastapi import FastAPI
from pagetree import parse

pytestmark = pytest.mark.anyio


async def test_a_visitor_reads_a_challenge_and_is_asked_to_sign_in(client: Client) -> None:
    response = await client.get("/challenges/hello-route")
    assert response.status_code == 200
    page = parse(response.text)
    assert page.find("article", class_="prompt").find("table") is not None
    assert page.find("textarea") is None and page.by_id("code-form") is None  # nothing to type into
    starter = page.find("pre", class_="code")
    assert starter is not None and "FastAPI()" in starter.text()
    sign_in = page.by_id("sign-in-to-submit")
    assert sign_in.text() == "Sign in to write and submit"
    assert sign_in.attrs["href"] == "/login?next=/challenges/hello-route"
    assert page.by_id("best-score") is None


async def test_the_visitor_and_the_signed_in_pages_never_share_the_cache(client: Client, alice: Client) -> None:
    await client.get("/challenges/hello-route")
    signed_in = await alice.page("/challenges/hello-route")
    assert signed_in.by_id("code-form") is not None and signed_in.by_id("sign-in-to-submit") is None
    visitor = await client.page("/challenges/hello-route")
    assert visitor.by_id("code-form") is None and visitor.by_id("sign-in-to-submit") is not None


async def test_the_challenge_title_appears_once(alice: Client) -> None:
    page = await alice.page("/challenges/hello-route")
    headings = [h.text() for tag in ("h1", "h2") for h in page.find_all(tag)]
    assert headings.count("Hello, route") == 1, headings


async def test_sign_up_from_the_login_page_comes_back(client: Client) -> None:
    login = await client.page("/login?next=/challenges/hello-route")
    link = next(a for a in login.find("form", id="login-form").find_all("a") if a.text() == "Sign up")
    assert link.attrs["href"] == "/signup?next=/challenges/hello-route"
    signup = await client.page(link.attrs["href"])
    assert signup.find("input", name="next").attrs["value"] == "/challenges/hello-route"
    response = await client.post("/signup", {"email": "new@example.com", "password": PASSWORD,
                                             "next": "/challenges/hello-route"})
    assert response.headers["location"] == "/challenges/hello-route"


async def test_the_header_links_keep_the_visitors_place(client: Client) -> None:
    page = await client.page("/challenges/hello-route")
    nav = page.find("nav", aria_label="Main")
    hrefs = {a.text(): a.attrs["href"] for a in nav.find_all("a")}
    assert hrefs["Sign up"] == "/signup?next=/challenges/hello-route"
    assert hrefs["Log in"] == "/login?next=/challenges/hello-route"
    login = await client.page("/login?next=/invite/abc")
    hrefs = {a.text(): a.attrs["href"] for a in login.find("nav", aria_label="Main").find_all("a")}
    assert hrefs["Sign up"] == "/signup?next=/invite/abc"


async def test_signing_up_from_an_invitations_header_lands_on_the_invitation(app: FastAPI, client: Client) -> None:
    from interviews import create_assessment, invite, staff

    interviewer = await staff(app, "int@example.com")
    path = await invite(interviewer, await create_assessment(interviewer), "cand@example.com")
    page = await client.page(path)
    nav = page.find("nav", aria_label="Main")
    signup = next(a for a in nav.find_all("a") if a.text() == "Sign up").attrs["href"]
    assert signup == "/signup?next=" + path
    form = await client.page(signup)
    assert form.find("input", name="next").attrs["value"] == path
    response = await client.post("/signup", {"email": "cand@example.com", "password": PASSWORD, "next": path})
    assert response.headers["location"] == path
    assert (await client.page(path)).by_id("start-button") is not None
    await interviewer.aclose()
