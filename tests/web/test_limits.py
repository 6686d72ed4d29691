"""The web layer's limits: request bodies, form fields, login throttling, sign-up limits (docs/security.md)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import PASSWORD, Client, make_settings
from fastapi import FastAPI
from interviews import create_assessment, invite, staff

from proctor.store import login_attempts, users
from proctor.web import app as web_app
from proctor.web.app import create_app, serve
from proctor.web.routes import accounts

pytestmark = pytest.mark.anyio
MiB = 1024 * 1024
CHUNK = 64 * 1024


class Streamed:
    """An ASGI receive() that streams `total` bytes in chunks, counting how many the app took."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.given = 0

    async def __call__(self) -> dict[str, Any]:
        if self.given >= self.total:
            return {"type": "http.disconnect"}
        size = min(CHUNK, self.total - self.given)
        self.given += size
        # A form field per chunk (a JSON parser sees one long bad document): only the body limit stops it.
        return {"type": "http.request", "body": (b"&f=" + b"a" * size)[:size], "more_body": self.given < self.total}


async def call(app: FastAPI, path: str, headers: list[tuple[bytes, bytes]], receive: Any) -> tuple[int, bytes]:
    """One request straight through the ASGI app: (status, body)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), *headers], "client": ("127.0.0.1", 50000),
             "server": ("testserver", 80)}
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def test_a_huge_content_length_is_refused_before_anything_is_read(app: FastAPI) -> None:
    async def receive() -> dict[str, Any]:
        raise AssertionError("the body was read")

    for path in ("/api/v1/submissions", "/login"):
        status, body = await call(app, path, [(b"content-length", str(400 * MiB).encode()),
                                              (b"content-type", b"application/json")], receive)
        assert status == 413 and b"larger than the limit of 1024 KiB" in body


@pytest.mark.parametrize("path, content_type", [("/api/v1/submissions", b"application/json"),
                                                ("/login", b"application/x-www-form-urlencoded")])
async def test_a_streamed_body_is_cut_off_at_the_limit(app: FastAPI, path: str, content_type: bytes) -> None:
    receive = Streamed(50 * MiB)
    status, body = await call(app, path, [(b"transfer-encoding", b"chunked"), (b"content-type", content_type)],
                              receive)
    assert status == 413 and b"larger than the limit" in body
    assert receive.given <= MiB + CHUNK  # the other 49 MiB were never taken from the client


async def test_a_body_under_the_limit_still_arrives(alice: Client) -> None:
    code = "x = 1\n" * (200 * 1024 // 6)  # about 200 KiB, a large but allowed submission
    response = await alice.submit(code)
    assert response.status_code == 303


async def test_a_form_with_300_fields_is_refused(alice: Client, client: Client) -> None:
    await client.get("/login")
    fields = {"email": "alice@example.com", "password": PASSWORD, "csrf_token": client.token,
              **{f"f{i}": "x" for i in range(300)}}
    response = await client.http.post("/login", data=fields)
    assert response.status_code == 400 and "Too many fields" in response.text
    assert "proctor_session" not in client.http.cookies
    # Posted where no Form() parameter parses it, the CSRF check parses it with the same limits.
    response = await alice.post("/logout", {f"f{i}": "x" for i in range(300)})
    assert response.status_code == 400 and "Too many fields" in response.text


def browser_at(app: FastAPI, address: str) -> Client:
    c = Client(app)
    c.http._transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return c


async def test_failures_from_another_address_never_refuse_the_right_password(app: FastAPI, alice: Client) -> None:
    attacker = browser_at(app, "203.0.113.9")
    for _ in range(6):
        response = await attacker.post("/login", {"email": "alice@example.com", "password": "guess guess"})
    assert response.status_code == 429  # the attacker's own address waits
    for n in range(60):  # and many more, from one address and from many
        login_attempts.record(app.state.store, email="alice@example.com", ip=f"198.51.100.{n % 3}", succeeded=False)
    victim = browser_at(app, "192.0.2.7")
    response = await victim.post("/login", {"email": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 303
    # So many failures at one email only slow its logins down, for every address alike.
    assert login_attempts.slow_down(app.state.store, email="alice@example.com", ip="192.0.2.7")
    await attacker.aclose()
    await victim.aclose()


async def test_the_wait_grows_with_each_failure(app: FastAPI, alice: Client, client: Client) -> None:
    def age_attempts(seconds: float) -> None:
        with app.state.store.write() as conn:
            conn.execute("UPDATE login_attempts SET at = at - ?", (seconds,))

    for _ in range(5):
        assert (await client.post("/login", {"email": "alice@example.com", "password": "no no no"})).status_code == 400
    waits = []
    for _ in range(3):
        response = await client.post("/login", {"email": "alice@example.com", "password": PASSWORD})
        assert response.status_code == 429
        waits.append(int(response.headers["retry-after"]))
        assert f"Wait {waits[-1]} seconds" in response.text
        age_attempts(waits[-1])
        assert (await client.post("/login", {"email": "alice@example.com", "password": "no no no"})).status_code == 400
    assert waits == [2, 4, 8]
    age_attempts(16)
    response = await client.post("/login", {"email": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 303  # waited out, the right password works again


async def test_signup_does_the_same_work_and_says_the_same_for_a_taken_email(
        alice: Client, client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    hashed: list[str] = []
    real = accounts.hash_password
    monkeypatch.setattr(accounts, "hash_password", lambda password: hashed.append(password) or real(password))
    await client.get("/signup")
    response = await client.post("/signup", {"email": "alice@example.com", "password": "another password"})
    assert response.status_code == 400 and hashed == ["another password"]
    assert "could not create an account" in response.text and "already has" not in response.text


async def test_signup_is_limited_per_address(data_dir: Path) -> None:
    app = create_app(make_settings(data_dir, signups_per_hour=3), start_workers=False)
    async with app.router.lifespan_context(app):
        here, elsewhere = browser_at(app, "203.0.113.20"), browser_at(app, "203.0.113.21")
        for n in range(3):
            await here.signup(f"user{n}@example.com")
        await here.get("/signup")
        response = await here.post("/signup", {"email": "user3@example.com", "password": PASSWORD})
        assert response.status_code == 429 and "Too many sign-ups" in response.text
        assert 3500 < int(response.headers["retry-after"]) <= 3600
        assert users.get_by_email(app.state.store, email="user3@example.com") is None
        await elsewhere.signup("user3@example.com")
        await here.aclose()
        await elsewhere.aclose()


@pytest.mark.parametrize("overrides", [{"environment": "production", "secret_key": "s" * 32},
                                       {"cookie_secure": True}])
async def test_cookies_are_secure_in_production_even_behind_plain_http(data_dir: Path,
                                                                       overrides: dict[str, Any]) -> None:
    app = create_app(make_settings(data_dir, **overrides), start_workers=False)
    async with app.router.lifespan_context(app):
        c = Client(app)
        response = await c.get("/signup")
        assert "Secure" in response.headers["set-cookie"]  # the CSRF cookie
        # httpx keeps a Secure cookie off plain http, as a browser would; the app behind a TLS proxy gets it.
        cookie = response.headers["set-cookie"].split(";")[0]
        response = await c.http.post("/signup", data={"email": "prod@example.com", "password": PASSWORD,
                                                      "csrf_token": c.token}, headers={"Cookie": cookie})
        assert response.status_code == 303 and "Secure" in response.headers["set-cookie"]
        await c.aclose()


async def test_invitation_links_use_the_public_url(data_dir: Path) -> None:
    app = create_app(make_settings(data_dir, public_url="https://proctor.example.com/"), start_workers=False)
    async with app.router.lifespan_context(app):
        interviewer = await staff(app, "ivy@example.com")
        assessment_id = await create_assessment(interviewer)
        await interviewer.get(f"/assessments/{assessment_id}")
        response = await interviewer.post(f"/assessments/{assessment_id}/invitations",
                                          {"email": "cand@example.com", "days": "7"})
        assert 'value="https://proctor.example.com/invite/' in response.text
        path = await invite(interviewer, assessment_id, "cand2@example.com")
        assert path.startswith("/invite/")
        await interviewer.aclose()


def test_serve_passes_the_connection_limits_and_warns_about_the_default_key(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import uvicorn

    runs: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: runs.append(options))
    monkeypatch.setattr(web_app.gc, "freeze", lambda: None)
    app = create_app(make_settings(data_dir, timeout_keep_alive=7, limit_concurrency=50,
                                   forwarded_allow_ips="10.0.0.5"), start_workers=False)
    with caplog.at_level(logging.WARNING, logger="proctor.web"):
        serve(app, host="127.0.0.1", port=8000)
        assert not caplog.records
        serve(app, host="0.0.0.0", port=8000)
    assert [r.getMessage() for r in caplog.records if "default secret key" in r.getMessage()]
    assert runs[0]["timeout_keep_alive"] == 7 and runs[0]["limit_concurrency"] == 50
    assert runs[0]["forwarded_allow_ips"] == "10.0.0.5" and runs[0]["proxy_headers"] is True

