"""Helpers for the interviewer-workflow tests: staff accounts, an assessment, an invitation, a started session."""

from __future__ import annotations

from conftest import Client
from fastapi import FastAPI
from pagetree import parse

from proctor.store import users


async def staff(app: FastAPI, email: str, role: str = "interviewer") -> Client:
    c = Client(app)
    await c.signup(email)
    user = users.get_by_email(app.state.store, email=email)
    users.set_role(app.state.store, user_id=user.id, role=role)
    return c


async def create_assessment(c: Client, challenges: tuple[str, ...] = ("hello-route",), minutes: int = 30,
                            visibility: str = "during", **extra: str) -> int:
    await c.get("/assessments/new")
    data = {"title": "Backend screen", "intro": "Good *luck*", "challenges": list(challenges),
            "time_limit_minutes": str(minutes), "score_visibility": visibility, **extra}
    response = await c.post("/assessments", data)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


async def invite(c: Client, assessment_id: int, email: str) -> str:
    """The invitation path (/invite/...)."""
    await c.get(f"/assessments/{assessment_id}")
    response = await c.post(f"/assessments/{assessment_id}/invitations", {"email": email, "days": "7"})
    assert response.status_code == 200, response.text
    link = parse(response.text).by_id("new-link").attrs["value"]
    return "/invite/" + link.split("/invite/", 1)[1]


async def start(c: Client, path: str) -> int:
    """Open the link and press Start; the session id."""
    page = await c.page(path)
    assert page.by_id("start-button") is not None
    response = await c.post(path + "/start")
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])
