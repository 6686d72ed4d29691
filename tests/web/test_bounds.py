"""Integers past SQLite's 64 bits in any path or query answer 404 or 422, never 500 (issue 11 §6); number fields
of forms and queries refuse what is not a small whole number with a message."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import Client, make_settings
from fastapi import FastAPI, params
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute, iter_route_contexts
from interviews import create_assessment, invite, staff, start

from proctor.store import api_tokens, users
from proctor.web.app import create_app
from proctor.web.authoring_packs import PackForm, pack_files
from proctor.web.deps import whole_number

pytestmark = pytest.mark.anyio

# (who, method, url): {big} is the number under test; {aid} and {sid} are a real assessment and session, so the
# lookup of the big number is reached (with a missing assessment, the 404 would come first).
ROUTES = [
    ("staff", "GET", "/assessments/{big}"),
    ("staff", "GET", "/assessments/{big}/edit"),
    ("staff", "POST", "/assessments/{big}"),
    ("staff", "POST", "/assessments/{big}/invitations"),
    ("staff", "POST", "/assessments/{aid}/invitations/{big}/revoke"),
    ("staff", "GET", "/assessments/{big}/candidates/{sid}"),
    ("staff", "GET", "/assessments/{aid}/candidates/{big}"),
    ("staff", "GET", "/assessments/{aid}/candidates/{big}/playback/hello-route"),
    ("staff", "GET", "/assessments/{aid}/candidates/{sid}/playback/hello-route?at={big}"),
    ("staff", "POST", "/assessments/{aid}/candidates/{big}/review"),
    ("staff", "GET", "/assessments/{aid}/candidates/{big}/report.json"),
    ("staff", "GET", "/assessments/{aid}/candidates/{big}/report.csv"),
    ("staff", "GET", "/assessments/{aid}/compare?a={big}&b={sid}&challenge=hello-route"),
    ("staff", "GET", "/assessments/{aid}/compare?a={sid}&b={big}&challenge=hello-route"),
    ("staff", "GET", "/assessments/{aid}/similarity?a={big}&b={sid}&challenge=hello-route"),
    ("staff", "GET", "/assessments/{aid}/similarity?a={sid}&b={big}&challenge=hello-route"),
    ("staff", "GET", "/assessments/{big}/results"),
    ("staff", "GET", "/assessments/{big}/results.json"),
    ("staff", "GET", "/assessments/{big}/results.csv"),
    ("candidate", "GET", "/sittings/{big}"),
    ("candidate", "GET", "/sittings/{big}/challenges/hello-route"),
    ("candidate", "POST", "/sittings/{big}/challenges/hello-route/draft"),
    ("candidate", "POST", "/sittings/{big}/challenges/hello-route/submissions"),
    ("candidate", "GET", "/sittings/{big}/submissions/1"),
    ("candidate", "GET", "/sittings/{sid}/submissions/{big}"),
    ("candidate", "POST", "/sittings/{big}/finish"),
    ("candidate", "GET", "/sittings/{big}/quizzes/http-basics"),
    ("candidate", "POST", "/sittings/{big}/quizzes/http-basics/draft"),
    ("candidate", "POST", "/sittings/{big}/quizzes/http-basics/submissions"),
    ("candidate", "GET", "/submissions/{big}"),
    ("api", "GET", "/api/v1/submissions/{big}"),
    ("api", "GET", "/api/v1/submissions/{big}/result"),
    ("api", "GET", "/api/v1/submissions?limit={big}"),
    ("api", "DELETE", "/api/v1/tokens/{big}"),
    ("staff", "POST", "/account/tokens/{big}/revoke"),
    ("staff", "POST", "/assessments/{big}/challenges/hello-route/move"),
    ("candidate", "POST", "/sittings/{big}/challenges/hello-route/activity"),
    ("candidate", "GET", "/challenges/hello-route/requests/{big}"),
]


@dataclass
class World:
    app: FastAPI
    staff: Client
    candidate: Client
    token: str
    aid: int
    sid: int


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def world() -> AsyncIterator[World]:
    """One app and its accounts for the whole module: a hundred requests need no fresh database each."""
    data_dir = Path(tempfile.mkdtemp(prefix="proctor-bounds-"))
    app = create_app(make_settings(data_dir), start_workers=False)
    async with app.router.lifespan_context(app):
        ivy, candidate = await staff(app, "ivy@example.com"), Client(app)
        aid = await create_assessment(ivy)
        path = await invite(ivy, aid, "cand@example.com")
        await candidate.signup("cand@example.com")
        sid = await start(candidate, path)
        user = users.get_by_email(app.state.store, email="cand@example.com")
        _, token = api_tokens.create(app.state.store, user_id=user.id, name="bounds")
        await ivy.get("/assessments")  # a fresh CSRF token for the posts
        yield World(app, ivy, candidate, token, aid, sid)
        await ivy.aclose()
        await candidate.aclose()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.mark.parametrize("big", [2**63, 2**64, 10**30])
@pytest.mark.parametrize(("who", "method", "template"), ROUTES)
async def test_a_huge_integer_is_refused_not_a_server_error(world: World, who: str, method: str, template: str,
                                                            big: int) -> None:
    url = template.format(big=big, aid=world.aid, sid=world.sid)
    client = world.candidate if who == "candidate" else world.staff
    if who == "api":
        response = await client.http.request(method, url, headers={"Authorization": f"Bearer {world.token}"})
    elif method == "POST":
        response = await client.post(url, {"content": "x", "filename": "app.py"})
    else:
        response = await client.get(url)
    assert response.status_code in (404, 422), (url, response.status_code, response.text[:300])


@pytest.mark.parametrize(("limit", "status"), [("-1", 422), ("0", 422), ("201", 422), ("1", 200), ("200", 200)])
async def test_the_list_limit_is_capped(world: World, limit: str, status: int) -> None:
    response = await world.candidate.http.get(f"/api/v1/submissions?limit={limit}",
                                              headers={"Authorization": f"Bearer {world.token}"})
    assert response.status_code == status, response.text


async def test_every_integer_parameter_is_in_the_list(world: World) -> None:
    """A new route with an integer in its path or query joins ROUTES (and declares its bounds)."""
    listed = {(method, template.split("?")[0].replace("{aid}", "{}").replace("{sid}", "{}").replace("{big}", "{}"))
              for _, method, template in ROUTES}
    missing, checked = [], 0
    # Included routers keep their routes inside (FastAPI >= 0.130); iter_route_contexts walks them all.
    for route in iter_route_contexts(world.app.routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        checked += 1
        ints = [p for p in get_flat_params(route.dependant)
                if isinstance(p.field_info, params.Path | params.Query) and p.field_info.annotation is int]
        if not ints:
            continue
        for p in ints:
            assert p.field_info.metadata, f"{route.path}: {p.name} has no declared bounds"
        shape = re.sub(r"\{[^}]+\}", "{}", route.path)
        for method in route.methods:
            if not any(m == method and _matches(shape, t) for m, t in listed):
                missing.append((method, route.path))
    assert not missing, missing
    assert checked > 40  # the walk saw the routes


def _matches(shape: str, listed: str) -> bool:
    """`/sittings/{}/challenges/{}` (the route) against `/sittings/{}/challenges/hello-route` (the list)."""
    a, b = shape.split("/"), listed.split("/")
    return len(a) == len(b) and all(x == y or x == "{}" for x, y in zip(a, b, strict=True))


# "²".isdigit() is True but int("²") fails, and int() refuses strings past 4,300 digits: both were 500s.
NOT_NUMBERS = ["²", "9" * 5000, "-1", "1e3", "٣"]


@pytest.mark.parametrize("text", NOT_NUMBERS)
async def test_number_fields_refuse_what_is_not_a_small_number(world: World, text: str) -> None:
    assert (await Client(world.app).get(f"/?topic={text}")).status_code == 200
    await world.staff.get("/assessments/new")
    response = await world.staff.post("/assessments", {"title": "T", "challenges": ["hello-route"],
                                                       "time_limit_minutes": text, "score_visibility": "after"})
    assert response.status_code == 400 and "whole number of minutes" in response.text
    await world.staff.get(f"/assessments/{world.aid}")
    response = await world.staff.post(f"/assessments/{world.aid}/invitations", {"email": "x@example.com",
                                                                                "days": text})
    assert response.status_code == 400 and "1 to 90 days" in response.text
    toml = pack_files(PackForm(slug="s", minutes=text))["challenges/s/challenge.toml"]
    assert "minutes = 15\n" in toml


@pytest.mark.parametrize(("text", "expected"), [("7", 7), (" 30 ", 30), ("0", 0), ("90", 90), ("91", None),
                                                ("²", None), ("٣", None), ("9" * 5000, None), ("+1", None)])
def test_whole_number(text: str, expected: int | None) -> None:
    assert whole_number(text, maximum=90) == expected
