"""The per-request middleware: the CSRF cookie on first sight, request metrics by route, the request log."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from conftest import METRICS_AUTH, make_settings
from fastapi import FastAPI

from proctor.web.app import create_app

pytestmark = pytest.mark.anyio


def client_for(app: FastAPI, base_url: str = "http://testserver") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


async def test_csrf_cookie_is_set_once_with_safe_flags(app: FastAPI) -> None:
    async with client_for(app) as http:
        first = await http.get("/login")
        cookie = first.headers["set-cookie"]
        assert cookie.startswith("proctor_csrf=") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
        assert "Secure" not in cookie
        value = http.cookies["proctor_csrf"]
        again = await http.get("/login")
        assert "set-cookie" not in again.headers  # the browser already has one
        assert http.cookies["proctor_csrf"] == value
        # An error page carries it too.
        async with client_for(app) as fresh:
            missing = await fresh.get("/no-such-page")
            assert missing.status_code == 404 and "proctor_csrf" in fresh.cookies


async def test_csrf_cookie_is_secure_over_https(app: FastAPI) -> None:
    async with client_for(app, "https://testserver") as http:
        assert "Secure" in (await http.get("/login")).headers["set-cookie"]


async def test_requests_are_counted_by_route_and_logged(app: FastAPI, caplog: pytest.LogCaptureFixture) -> None:
    async with client_for(app) as http:
        with caplog.at_level(logging.INFO, logger="proctor.web"):
            await http.get("/challenges/hello-route")  # logged out: the read-only page
            await http.get("/static/vendor/htmx.min.js")
        metrics = (await http.get("/metrics", headers=METRICS_AUTH)).text
    assert 'proctor_http_requests_total{method="GET",route="/challenges/{slug}",status="200"} 1.0' in metrics
    assert 'proctor_http_requests_total{method="GET",route="/static",status="200"} 1.0' in metrics
    logged = [r for r in caplog.records if r.getMessage() == "request"]
    assert [(r.path, r.route, r.status) for r in logged] == [  # type: ignore[attr-defined]
        ("/challenges/hello-route", "/challenges/{slug}", 200)]


def test_plain_text_logs_carry_the_same_fields_as_json() -> None:
    from proctor.web.logs import JsonFormatter, TextFormatter

    record = logging.makeLogRecord({"msg": "request", "levelname": "INFO", "name": "proctor.web", "route": "/",
                                    "status": 200})
    assert TextFormatter().format(record) == "INFO proctor.web: request route=/ status=200"
    assert '"route": "/"' in JsonFormatter().format(record)


async def test_metrics_need_the_token_and_health_checks_stay_open(app: FastAPI, data_dir: Path) -> None:
    async with client_for(app) as http:
        assert (await http.get("/metrics")).status_code == 401
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
        assert wrong.status_code == 401 and "proctor_http" not in wrong.text
        assert (await http.get("/metrics", headers=METRICS_AUTH)).status_code == 200
        assert (await http.get("/health")).status_code == 200
        assert (await http.get("/ready")).status_code in (200, 503)
    unset = create_app(make_settings(data_dir, metrics_token=""), start_workers=False)
    async with unset.router.lifespan_context(unset), client_for(unset) as http:
        assert (await http.get("/metrics")).status_code == 404
        assert (await http.get("/metrics", headers={"Authorization": "Bearer "})).status_code == 404


async def test_invitation_tokens_never_reach_the_log(app: FastAPI, caplog: pytest.LogCaptureFixture) -> None:
    token = "InvItAtIoN-sEcReT.signature"
    with caplog.at_level(logging.INFO, logger="proctor.web"):
        async with client_for(app) as http:
            await http.get(f"/invite/{token}")
            await http.post(f"/invite/{token}/start")
    logged = [r for r in caplog.records if r.getMessage() == "request"]
    assert [r.path for r in logged] == ["/invite/[redacted]", "/invite/[redacted]/start"]  # type: ignore[attr-defined]
    assert token not in caplog.text and all(token not in str(vars(r)) for r in caplog.records)
