"""Web fixtures: an app on a temporary data dir, and an httpx client over ASGI that can sign up and post forms."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pagetree import Element, parse

from proctor.settings import PROJECT_ROOT, Settings
from proctor.web.app import create_app

PASSWORD = "correct horse battery"
METRICS_TOKEN = "test-metrics-token"
METRICS_AUTH = {"Authorization": f"Bearer {METRICS_TOKEN}"}
REFERENCE = (PROJECT_ROOT / "graders/hello-route/reference/app.py").read_text()
# The runtime `make sandbox` built for this checkout (under /var/lib/proctor when root runs a private checkout).
SANDBOX_RUNTIME = Settings(data_dir=PROJECT_ROOT / "var").runtime_dir


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = dict(data_dir=data_dir, sandbox_runtime=SANDBOX_RUNTIME,
                                log_json=False, workers=1, grading_lease_seconds=5,
                                # Many tests sign up several users from one address; the limit has its own test.
                                signups_per_hour=1000, metrics_token=METRICS_TOKEN)
    return Settings(**{**base, **overrides})


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Not pytest's tmp_path: its parents are 0700, and the sandbox user must reach the job files.
    path = Path(tempfile.mkdtemp(prefix="proctor-web-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return make_settings(data_dir)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    """Pages only: no grading workers, so tests set submission states themselves."""
    application = create_app(settings, start_workers=False)
    async with application.router.lifespan_context(application):
        yield application


class Client:
    """One browser: cookies, the CSRF token from the last page, helpers for forms."""

    def __init__(self, app: FastAPI) -> None:
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        self.token: str | None = None

    async def get(self, url: str, *, htmx: bool = False, **kw: Any) -> httpx.Response:
        headers = {"HX-Request": "true"} if htmx else {}
        response = await self.http.get(url, headers={**headers, **kw.pop("headers", {})}, **kw)
        if "text/html" in response.headers.get("content-type", ""):
            field = parse(response.text).find("input", name="csrf_token")
            if field is not None:
                self.token = field.attrs["value"]
        return response

    async def page(self, url: str, *, htmx: bool = False) -> Element:
        response = await self.get(url, htmx=htmx)
        assert response.status_code == 200, (url, response.status_code, response.text[:500])
        return parse(response.text)

    async def post(self, url: str, data: dict[str, Any] | None = None, *, htmx: bool = False,
                   csrf: bool = True, **kw: Any) -> httpx.Response:
        if csrf and self.token is None:
            await self.get("/login")
        form = {**(data or {}), **({"csrf_token": self.token} if csrf else {})}
        headers = {"HX-Request": "true"} if htmx else {}
        response = await self.http.post(url, data=form, headers={**headers, **kw.pop("headers", {})}, **kw)
        if "proctor_session=" in response.headers.get("set-cookie", ""):
            # The CSRF token is tied to the login session: a browser gets the new one from the next page.
            await self.get("/login")
        return response

    async def signup(self, email: str, password: str = PASSWORD) -> None:
        await self.get("/signup")
        response = await self.post("/signup", {"email": email, "password": password})
        assert response.status_code == 303, response.text

    async def submit(self, code: str = REFERENCE, suite: str = "hidden", **kw: Any) -> httpx.Response:
        return await self.post("/challenges/hello-route/submissions",
                               {"filename": "app.py", "content": code, "suite": suite}, **kw)

    async def aclose(self) -> None:
        await self.http.aclose()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[Client]:
    c = Client(app)
    yield c
    await c.aclose()


@pytest.fixture
async def alice(app: FastAPI) -> AsyncIterator[Client]:
    c = Client(app)
    await c.signup("alice@example.com")
    yield c
    await c.aclose()


@pytest.fixture
async def bob(app: FastAPI) -> AsyncIterator[Client]:
    c = Client(app)
    await c.signup("bob@example.com")
    yield c
    await c.aclose()
