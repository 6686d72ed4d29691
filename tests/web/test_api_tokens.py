"""Personal API tokens: expiry, revocation (on /account and in the API), a cap per user, last use (issue 11 §6)."""

from __future__ import annotations

import httpx
import pytest
from conftest import Client
from fastapi import FastAPI
from pagetree import parse

from proctor.store import api_tokens, users
from proctor.store.database import now

pytestmark = pytest.mark.anyio


async def create(c: Client, name: str = "laptop", expires: str = "30") -> str:
    await c.get("/account")
    response = await c.post("/account/tokens", {"name": name, "expires": expires}, htmx=True)
    assert response.status_code == 200, response.text
    return parse(response.text).by_id("new-token").text()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def api(app: FastAPI) -> httpx.AsyncClient:
    """A script: no cookies, only the token."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def listed(c: Client) -> dict[str, dict[str, str]]:
    """The token list on /account: name → when it expires, when it was last used."""
    found = (await c.page("/account")).by_id("token-list")
    items = found.find_all("li") if found else []
    return {li.find("span", class_="token-name").text(): {
        "expires": li.find("span", class_="token-expires").text().strip(),
        "used": li.find("span", class_="token-used").text().strip()} for li in items}


def user_id(app: FastAPI, email: str) -> int:
    found = users.get_by_email(app.state.store, email=email)
    assert found is not None
    return found.id


async def test_a_token_expires_when_chosen(app: FastAPI, alice: Client) -> None:
    week = await create(alice, "week", "7")
    forever = await create(alice, "forever", "never")
    rows = await listed(alice)
    assert rows["forever"]["expires"] == "never"
    assert rows["week"]["expires"].endswith("UTC")
    stored = {t.name: t for t in api_tokens.list_for(app.state.store, user_id=user_id(app, "alice@example.com"))}
    assert stored["forever"].expires_at is None
    assert stored["week"].expires_at == pytest.approx(stored["week"].created_at + 7 * 86400)
    async with api(app) as script:
        assert (await script.get("/api/v1/challenges", headers=bearer(week))).status_code == 200
        with app.state.store.write() as conn:  # a week later
            conn.execute("UPDATE api_tokens SET expires_at = ? WHERE name = 'week'", (now() - 1,))
        assert (await script.get("/api/v1/challenges", headers=bearer(week))).status_code == 401
        assert (await script.get("/api/v1/challenges", headers=bearer(forever))).status_code == 200
    assert (await listed(alice))["week"]["expires"] == "expired"


async def test_an_unknown_expiry_is_refused_and_the_name_kept(app: FastAPI, alice: Client) -> None:
    await alice.get("/account")
    response = await alice.post("/account/tokens", {"name": "my laptop", "expires": "forever"}, htmx=True)
    assert response.status_code == 400
    page = parse(response.text)
    assert "Choose when the token expires" in page.find("p", class_="form-error").text()
    assert page.by_id("token-name").attrs["value"] == "my laptop"
    assert api_tokens.list_for(app.state.store, user_id=user_id(app, "alice@example.com")) == []


async def test_revoking_on_the_account_page_stops_the_token(app: FastAPI, alice: Client, bob: Client) -> None:
    secret = await create(alice)
    (token,) = api_tokens.list_for(app.state.store, user_id=user_id(app, "alice@example.com"))
    # Bob cannot revoke Alice's token, nor learn that it exists.
    await bob.get("/account")
    response = await bob.post(f"/account/tokens/{token.id}/revoke", htmx=True)
    assert response.status_code == 404 and "already revoked" in response.text and "laptop" not in response.text
    async with api(app) as script:
        assert (await script.get("/api/v1/challenges", headers=bearer(secret))).status_code == 200
        response = await alice.post(f"/account/tokens/{token.id}/revoke")  # without htmx: back to the page
        assert response.status_code == 303 and response.headers["location"] == "/account"
        assert (await script.get("/api/v1/challenges", headers=bearer(secret))).status_code == 401
    assert await listed(alice) == {}
    # A second click on the same button: the list stays, with the reason.
    again = await alice.post(f"/account/tokens/{token.id}/revoke", htmx=True)
    assert again.status_code == 404 and parse(again.text).by_id("tokens") is not None
    assert "already revoked" in parse(again.text).find("p", class_="form-error").text()


async def test_the_api_lists_tokens_without_secrets_and_revokes_them(app: FastAPI, alice: Client,
                                                                      bob: Client) -> None:
    first, second = await create(alice, "first"), await create(alice, "second")
    bobs = await create(bob, "bob's")
    async with api(app) as script:
        response = await script.get("/api/v1/tokens", headers=bearer(first))
        assert response.status_code == 200
        assert [t["name"] for t in response.json()] == ["first", "second"]
        assert set(response.json()[0]) == {"id", "name", "created_at", "expires_at", "last_used_at"}
        assert first not in response.text and second not in response.text
        second_id = response.json()[1]["id"]
        bobs_id = (await script.get("/api/v1/tokens", headers=bearer(bobs))).json()[0]["id"]
        assert (await script.delete(f"/api/v1/tokens/{bobs_id}", headers=bearer(first))).status_code == 404
        assert (await script.delete(f"/api/v1/tokens/{second_id}", headers=bearer(first))).status_code == 204
        assert (await script.get("/api/v1/tokens", headers=bearer(second))).status_code == 401
        assert (await script.delete(f"/api/v1/tokens/{second_id}", headers=bearer(first))).status_code == 404
        # A token can revoke itself: a leaked token's holder can end it with nothing else.
        first_id = response.json()[0]["id"]
        assert (await script.delete(f"/api/v1/tokens/{first_id}", headers=bearer(first))).status_code == 204
        assert (await script.get("/api/v1/tokens", headers=bearer(first))).status_code == 401
        assert (await script.get("/api/v1/tokens", headers=bearer(bobs))).status_code == 200


async def test_the_browser_session_needs_the_csrf_header_to_revoke(app: FastAPI, alice: Client) -> None:
    await create(alice)
    (token,) = api_tokens.list_for(app.state.store, user_id=user_id(app, "alice@example.com"))
    assert (await alice.http.delete(f"/api/v1/tokens/{token.id}")).status_code == 403
    ok = await alice.http.delete(f"/api/v1/tokens/{token.id}", headers={"X-CSRF-Token": alice.token or ""})
    assert ok.status_code == 204


async def test_tokens_are_capped_per_user(app: FastAPI, alice: Client) -> None:
    uid = user_id(app, "alice@example.com")
    for i in range(api_tokens.MAX_ACTIVE):
        api_tokens.create(app.state.store, user_id=uid, name=f"t{i}")
    await alice.get("/account")
    response = await alice.post("/account/tokens", {"name": "one more", "expires": "7"}, htmx=True)
    assert response.status_code == 400
    page = parse(response.text)
    assert f"You have {api_tokens.MAX_ACTIVE} tokens" in page.find("p", class_="form-error").text()
    assert page.by_id("new-token") is None and page.by_id("token-name").attrs["value"] == "one more"
    assert len(api_tokens.list_for(app.state.store, user_id=uid)) == api_tokens.MAX_ACTIVE
    # Expired tokens do not count: they are dropped when a new one is made.
    with app.state.store.write() as conn:
        conn.execute("UPDATE api_tokens SET expires_at = ? WHERE name = 't0'", (now() - 1,))
    await create(alice, "one more")
    names = [t.name for t in api_tokens.list_for(app.state.store, user_id=uid)]
    assert "t0" not in names and "one more" in names and len(names) == api_tokens.MAX_ACTIVE


async def test_last_use_is_recorded_at_most_once_a_minute(app: FastAPI, alice: Client) -> None:
    secret = await create(alice)
    uid = user_id(app, "alice@example.com")
    assert (await listed(alice))["laptop"]["used"] == "never"
    async with api(app) as script:
        await script.get("/api/v1/challenges", headers=bearer(secret))
        (first,) = api_tokens.list_for(app.state.store, user_id=uid)
        assert first.last_used_at is not None
        await script.get("/api/v1/challenges", headers=bearer(secret))
        assert api_tokens.list_for(app.state.store, user_id=uid)[0].last_used_at == first.last_used_at
        with app.state.store.write() as conn:  # two minutes later
            conn.execute("UPDATE api_tokens SET last_used_at = last_used_at - 120")
        await script.get("/api/v1/challenges", headers=bearer(secret))
        assert api_tokens.list_for(app.state.store, user_id=uid)[0].last_used_at > first.last_used_at - 120
    assert (await listed(alice))["laptop"]["used"].endswith("UTC")


async def test_a_dead_token_is_refused_even_beside_a_session(app: FastAPI, alice: Client) -> None:
    secret = await create(alice)
    (token,) = api_tokens.list_for(app.state.store, user_id=user_id(app, "alice@example.com"))
    api_tokens.delete(app.state.store, user_id=user_id(app, "alice@example.com"), token_id=token.id)
    assert (await alice.http.get("/api/v1/challenges")).status_code == 200  # the session alone works
    response = await alice.http.get("/api/v1/challenges", headers=bearer(secret))
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert "revoked or expired" in response.json()["detail"]
