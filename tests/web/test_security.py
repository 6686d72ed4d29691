"""Accounts, sessions, CSRF, rate limits, and who may see what."""

from __future__ import annotations

import base64

import pytest
from conftest import PASSWORD, Client
from fastapi import FastAPI
from pagetree import parse

from proctor.grading.limits import Limits
from proctor.grading.results import RunResult, RunStatus, TestResult, TestStatus
from proctor.store import sessions, submissions, users
from proctor.store.passwords import hash_password, verify_password
from proctor.web.auth import session_id_from

pytestmark = pytest.mark.anyio


def test_passwords_are_hashed_with_argon2() -> None:
    hashed = hash_password("s3cret-password")
    assert hashed.startswith("$argon2id$") and "s3cret" not in hashed
    assert verify_password("s3cret-password", hashed)
    assert not verify_password("wrong-password", hashed)
    assert hash_password("s3cret-password") != hashed  # salted


async def test_signup_stores_a_hash_and_sets_a_safe_cookie(app: FastAPI, client: Client) -> None:
    await client.get("/signup")
    response = await client.post("/signup", {"email": "Carol@Example.com", "password": PASSWORD})
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "proctor_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # plain http here
    user = users.get_by_email(app.state.store, email="carol@example.com")
    assert user is not None and user.role == "candidate" and verify_password(PASSWORD, user.password_hash)


async def test_session_cookie_is_secure_over_https(app: FastAPI) -> None:
    c = Client(app)
    c.http.base_url = "https://testserver"  # type: ignore[misc]
    await c.get("/signup")
    response = await c.post("/signup", {"email": "https@example.com", "password": PASSWORD})
    assert "Secure" in response.headers["set-cookie"]
    await c.aclose()


async def test_duplicate_signup_and_short_password_are_refused(alice: Client, client: Client) -> None:
    response = await client.post("/signup", {"email": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 400 and "could not create an account" in response.text
    response = await client.post("/signup", {"email": "dave@example.com", "password": "short"})
    assert response.status_code == 400 and "at least 8" in response.text


async def test_login_logout(alice: Client, client: Client) -> None:
    response = await client.post("/login", {"email": "alice@example.com", "password": "wrong password"})
    assert response.status_code == 400 and "do not match" in response.text
    response = await client.post("/login", {"email": "alice@example.com", "password": PASSWORD, "next": "/dashboard"})
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    assert (await client.get("/dashboard")).status_code == 200
    await client.get("/dashboard")
    assert (await client.post("/logout")).status_code == 303
    assert (await client.get("/dashboard")).status_code == 303


async def test_login_next_must_stay_on_the_site(alice: Client, client: Client) -> None:
    response = await client.post("/login", {"email": "alice@example.com", "password": PASSWORD,
                                            "next": "//evil.example/"})
    assert response.headers["location"] == "/"


async def test_repeated_failed_logins_are_rate_limited(alice: Client, client: Client) -> None:
    for _ in range(5):
        response = await client.post("/login", {"email": "alice@example.com", "password": "nope nope"})
        assert response.status_code == 400
    # From the address that failed, the next try of that email waits (login throttling: tests/web/test_limits.py).
    response = await client.post("/login", {"email": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 429 and "Too many failed attempts" in response.text
    assert response.headers["retry-after"] == "2"


async def test_expired_session_goes_to_login_and_back(app: FastAPI, alice: Client) -> None:
    cookie = alice.http.cookies.get("proctor_session")

    class Req:
        cookies = {"proctor_session": cookie}
        app = None

    Req.app = app  # type: ignore[assignment]
    session_id = session_id_from(Req())  # type: ignore[arg-type]
    assert session_id
    sessions.expire(app.state.store, session_id=session_id)

    response = await alice.get("/challenges/hello-route/history?tab=1")  # the challenge itself is public now
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/challenges/hello-route/history%3Ftab%3D1"
    response = await alice.get("/submissions/1", htmx=True,
                               headers={"HX-Current-URL": "http://testserver/challenges/hello-route"})
    assert response.headers["HX-Redirect"] == "/login?next=/challenges/hello-route"

    login = await alice.page("/login?next=/challenges/hello-route")
    assert login.find("input", name="next").attrs["value"] == "/challenges/hello-route"
    response = await alice.post("/login", {"email": "alice@example.com", "password": PASSWORD,
                                           "next": "/challenges/hello-route"})
    assert response.headers["location"] == "/challenges/hello-route"
    assert (await alice.get("/challenges/hello-route")).status_code == 200


async def test_csrf_is_required_on_every_state_changing_request(alice: Client) -> None:
    posts = [("/challenges/hello-route/draft", {"filename": "app.py", "content": "x"}),
             ("/challenges/hello-route/submissions", {"filename": "app.py", "content": "x"}),
             ("/challenges/hello-route/reset", {}), ("/account/tokens", {}), ("/logout", {}),
             ("/login", {"email": "alice@example.com", "password": PASSWORD})]
    for url, data in posts:
        missing = await alice.post(url, data, csrf=False)
        assert missing.status_code == 403, url
        forged = await alice.post(url, {**data, "csrf_token": "0" * 64}, csrf=False)
        assert forged.status_code == 403, url
        as_htmx = await alice.post(url, data, csrf=False, htmx=True, headers={"X-CSRF-Token": "bad"})
        assert as_htmx.status_code == 403, url
    # The header form works for htmx requests.
    ok = await alice.http.post("/challenges/hello-route/draft", data={"filename": "app.py", "content": "x"},
                               headers={"X-CSRF-Token": alice.token or "", "HX-Request": "true"})
    assert ok.status_code == 200


async def test_candidates_cannot_see_each_others_work(app: FastAPI, alice: Client, bob: Client) -> None:
    await alice.post("/challenges/hello-route/draft", {"filename": "app.py", "content": "# alice's secret\n"})
    response = await alice.submit("# alice's submission\n")
    submission_id = int(response.headers["location"].rsplit("/", 1)[1])

    page = await bob.page("/challenges/hello-route")
    assert "alice" not in page.find("textarea", name="content").text()
    for htmx in (False, True):
        response = await bob.get(f"/submissions/{submission_id}", htmx=htmx)
        assert response.status_code == 404 and "alice" not in response.text
    assert (await bob.get("/submissions/999999")).status_code == 404  # same answer as a missing id
    history = await bob.page("/challenges/hello-route/history")
    assert history.find("a", href=f"/submissions/{submission_id}") is None

    bob_api = {"X-CSRF-Token": bob.token or ""}
    assert (await bob.http.get(f"/api/v1/submissions/{submission_id}")).status_code == 404
    assert (await bob.http.get(f"/api/v1/submissions/{submission_id}/result", headers=bob_api)).status_code == 404
    assert (await bob.http.get("/api/v1/submissions")).json() == []


async def test_bad_input_is_refused_and_nothing_is_stored(app: FastAPI, alice: Client) -> None:
    store = app.state.store
    response = await alice.submit("x" * (300 * 1024), htmx=True)
    assert response.status_code == 413 and "limit" in parse(response.text).by_id("error").text()
    response = await alice.post("/challenges/no-such/submissions", {"filename": "app.py", "content": "x"})
    assert response.status_code == 404
    response = await alice.post("/challenges/hello-route/submissions", {"filename": "../etc/passwd", "content": "x"})
    assert response.status_code == 400
    user = users.get_by_email(store, email="alice@example.com")
    assert submissions.list_for(store, user_id=user.id, suite=None) == []


async def test_one_in_flight_and_ten_a_minute(app: FastAPI, alice: Client) -> None:
    store = app.state.store
    assert (await alice.submit()).status_code == 303
    response = await alice.submit(htmx=True)
    assert response.status_code == 429 and "already have a submission" in response.text
    assert response.headers["retry-after"] == "1"
    user = users.get_by_email(store, email="alice@example.com")
    assert len(submissions.list_for(store, user_id=user.id, suite=None)) == 1
    for i in range(9):
        claimed = submissions.claim(store, lease_seconds=30)
        submissions.finish(store, submission_id=claimed.id, token=claimed.lease_token, result={},
                           result_status="graded", score=0.0)
        assert (await alice.submit()).status_code == 303, i
    claimed = submissions.claim(store, lease_seconds=30)
    submissions.finish(store, submission_id=claimed.id, token=claimed.lease_token, result={},
                       result_status="graded", score=0.0)
    response = await alice.submit()
    assert response.status_code == 429 and "10 submissions a minute" in response.text
    # The first of the ten leaves the minute's window in under 60 s; that is when the next one may go.
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert len(submissions.list_for(store, user_id=user.id, suite=None)) == 10


async def test_api_with_a_personal_token(app: FastAPI, alice: Client, client: Client) -> None:
    response = await alice.post("/account/tokens", {"name": "cli"})
    token = parse(response.text).by_id("new-token").text()
    auth = {"Authorization": f"Bearer {token}"}
    api = client.http  # a fresh client: no cookies, only the token

    assert (await api.get("/api/v1/challenges")).status_code == 401
    slugs = [c["slug"] for c in (await api.get("/api/v1/challenges", headers=auth)).json()]
    assert "hello-route" in slugs
    detail = (await api.get("/api/v1/challenges/hello-route", headers=auth)).json()
    assert "app.py" in detail["starter_files"]
    assert (await api.get("/api/v1/challenges/nope", headers=auth)).status_code == 404

    assert (await api.post("/api/v1/submissions", headers=auth, json={"files": "nope"})).status_code == 422
    assert (await api.post("/api/v1/submissions", headers=auth, content=b"{not json")).status_code == 422
    bad = base64.b64encode(b"\xff\xfe print()").decode()
    response = await api.post("/api/v1/submissions", headers=auth,
                              json={"challenge": "hello-route", "files_base64": {"app.py": bad}})
    assert response.status_code == 400 and "not UTF-8" in response.json()["detail"]
    response = await api.post("/api/v1/submissions", headers=auth,
                              json={"challenge": "hello-route", "files": {"app.py": "x" * 300_000}})
    assert response.status_code == 413

    response = await api.post("/api/v1/submissions", headers=auth,
                              json={"challenge": "hello-route", "files": {"app.py": "print('hi')\n"}})
    assert response.status_code == 201
    created = response.json()
    assert created["status"] == "queued" and created["queue_position"] == 1
    read = (await api.get(f"/api/v1/submissions/{created['id']}", headers=auth)).json()
    assert read["files"] == {"app.py": "print('hi')\n"}
    assert (await api.get(f"/api/v1/submissions/{created['id']}/result", headers=auth)).status_code == 409
    claimed = submissions.claim(app.state.store, lease_seconds=30)
    graded = RunResult(challenge="hello-route", status=RunStatus.GRADED, score=0.0, points=0, max_points=1,
                       tests=[TestResult(name="t", status=TestStatus.FAILED, points=0, max_points=1, detail="secret")],
                       sandbox="bwrap", duration_ms=1, limits=Limits())
    submissions.finish(app.state.store, submission_id=claimed.id, token=claimed.lease_token,
                       result=graded.model_dump(mode="json", by_alias=True), result_status="graded", score=0.0)
    result = (await api.get(f"/api/v1/submissions/{created['id']}/result", headers=auth)).json()
    assert result["status"] == "graded" and "detail" not in result["tests"][0]  # raw assertions are staff only
    assert RunResult.model_validate(result) == graded.model_copy(update={"tests": [graded.tests[0].model_copy(
        update={"detail": ""})]})


async def test_api_with_a_session_needs_the_csrf_header(alice: Client) -> None:
    body = {"challenge": "hello-route", "files": {"app.py": "x = 1\n"}}
    assert (await alice.http.get("/api/v1/challenges")).status_code == 200
    assert (await alice.http.post("/api/v1/submissions", json=body)).status_code == 403
    ok = await alice.http.post("/api/v1/submissions", json=body, headers={"X-CSRF-Token": alice.token or ""})
    assert ok.status_code == 201


async def test_csrf_token_is_tied_to_the_login_session(app: FastAPI, alice: Client) -> None:
    # A token from before logging in (an attacker's own visit, its cookie planted in the victim's browser) no
    # longer works once the browser has logged in.
    anonymous = Client(app)
    await anonymous.get("/login")
    planted_token = anonymous.token
    anonymous.http.cookies.set("proctor_csrf", alice.http.cookies["proctor_csrf"])
    response = await anonymous.http.post("/login", data={"email": "alice@example.com", "password": PASSWORD,
                                                         "csrf_token": planted_token})
    assert response.status_code == 403  # not even that browser's: the cookie is alice's now
    # The same CSRF cookie in two login sessions: each session's token works only in its own.
    second = Client(app)
    second.http.cookies.set("proctor_csrf", alice.http.cookies["proctor_csrf"])
    await second.get("/login")
    response = await second.post("/login", {"email": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 303
    assert second.token != alice.token
    draft = {"filename": "app.py", "content": "x"}
    crossed = await second.http.post("/challenges/hello-route/draft", data={**draft, "csrf_token": alice.token})
    assert crossed.status_code == 403
    crossed = await second.http.post("/api/v1/submissions", headers={"X-CSRF-Token": alice.token},
                                     json={"challenge": "hello-route", "files": {"app.py": "x"}})
    assert crossed.status_code == 403
    assert (await second.post("/challenges/hello-route/draft", draft)).status_code != 403
    assert (await alice.post("/challenges/hello-route/draft", draft)).status_code != 403
    await anonymous.aclose()
    await second.aclose()
