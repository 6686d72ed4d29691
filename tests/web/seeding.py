"""Data for the browser tests, made through a running server's own forms (real HTTP), so pages have content.

    world = seed_world(base, data_dir)   # interviewer, candidate (finished, graded session), admin, authored pack
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from conftest import PASSWORD, REFERENCE
from pagetree import parse
from test_authoring import pack

from proctor.settings import PROJECT_ROOT
from proctor.store import Store, users


class Visitor:
    """One browser's cookies over real HTTP, posting forms with the CSRF token of the last page it read."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        self.token = ""

    def get(self, url: str) -> httpx.Response:
        response = self.http.get(url)
        field = parse(response.text).find("input", name="csrf_token")
        if field is not None:
            self.token = field.attrs["value"] or ""
        return response

    def post(self, url: str, data: dict[str, Any], expect: int = 303) -> httpx.Response:
        response = self.http.post(url, data={**data, "csrf_token": self.token})
        assert response.status_code == expect, (url, response.status_code, response.text[:800])
        return response

    def close(self) -> None:
        self.http.close()

    def signup(self, email: str) -> None:
        self.get("/signup")
        self.post("/signup", {"email": email, "password": PASSWORD})

    def login(self, email: str) -> None:
        self.get("/login")
        self.post("/login", {"email": email, "password": PASSWORD})


@dataclass
class World:
    interviewer: str
    candidate: str
    admin: str
    assessment_id: int
    session_id: int
    invitation: str
    report: str


def make_role(data_dir: Path, email: str, role: str) -> None:
    store = Store.open(data_dir / "proctor.db")
    try:
        user = users.get_by_email(store, email=email)
        assert user is not None
        users.set_role(store, user_id=user.id, role=role)
    finally:
        store.close()


def create_admin(data_dir: Path, email: str) -> None:
    """The way an operator makes the first admin: `proctor users create --admin`."""
    env = {**os.environ, "PROCTOR_DATA_DIR": str(data_dir)}
    subprocess.run([sys.executable, "-m", "proctor.cli", "users", "create", "--admin", email, "--password", PASSWORD],
                   env=env, cwd=PROJECT_ROOT, check=True, capture_output=True)


def wait_graded(visitor: Visitor, url: str) -> None:
    deadline = time.monotonic() + 120  # a bound on a hang, not an assertion on speed
    while time.monotonic() < deadline:
        if 'data-status="done"' in visitor.get(url).text:
            return
        time.sleep(0.3)
    raise AssertionError(f"{url} was not graded")


def seed_world(base: str, data_dir: Path) -> World:
    """An assessment with hello-route, an open invitation, a finished session with a graded submission; a second
    assessment whose session is under way; a practice submission; a validated authored pack; one account per
    role."""
    ivy = Visitor(base)
    ivy.signup("ivy@example.com")
    make_role(data_dir, "ivy@example.com", "interviewer")
    ivy.get("/authoring/new")
    ivy.post("/authoring", pack())
    ivy.get("/assessments/new")
    created = ivy.post("/assessments", {"title": "Backend screen", "intro": "Good *luck*",
                                        "challenges": ["hello-route"], "time_limit_minutes": "30",
                                        "score_visibility": "during"})
    assessment_id = int(created.headers["location"].rsplit("/", 1)[1])
    links = []
    for email in ("cand@example.com", "later@example.com"):
        ivy.get(f"/assessments/{assessment_id}")
        page = parse(ivy.post(f"/assessments/{assessment_id}/invitations", {"email": email, "days": "7"},
                              expect=200).text)
        links.append("/invite/" + (page.by_id("new-link").attrs["value"] or "").split("/invite/", 1)[1])

    cand = Visitor(base)
    cand.signup("cand@example.com")
    cand.get("/challenges/hello-route")
    practice = cand.post("/challenges/hello-route/submissions",
                         {"filename": "app.py", "content": REFERENCE, "suite": "hidden"})
    wait_graded(cand, practice.headers["location"])
    cand.get(links[0])
    started = cand.post(links[0] + "/start", {})
    session_id = int(started.headers["location"].rsplit("/", 1)[1])
    cand.get(f"/sittings/{session_id}/challenges/hello-route")
    cand.post(f"/sittings/{session_id}/challenges/hello-route/draft", {"filename": "app.py", "content": "# draft\n"},
              expect=303)
    cand.post(f"/sittings/{session_id}/challenges/hello-route/submissions",
              {"filename": "app.py", "content": REFERENCE, "suite": "hidden"})
    cand.post(f"/sittings/{session_id}/finish", {})
    # A second assessment, with a quiz too, that the candidate has started and not finished.
    ivy.get("/assessments/new")
    created = ivy.post("/assessments", {"title": "Open screen", "intro": "Still *running*",
                                        "challenges": ["hello-route", "quiz-http-errors"], "time_limit_minutes": "600",
                                        "score_visibility": "during"})
    open_id = int(created.headers["location"].rsplit("/", 1)[1])
    ivy.get(f"/assessments/{open_id}")
    page = parse(ivy.post(f"/assessments/{open_id}/invitations", {"email": "cand@example.com", "days": "7"},
                          expect=200).text)
    open_link = "/invite/" + (page.by_id("new-link").attrs["value"] or "").split("/invite/", 1)[1]
    cand.get(open_link)
    cand.post(open_link + "/start", {})
    report = f"/assessments/{assessment_id}/candidates/{session_id}"
    deadline = time.monotonic() + 120
    while "score <strong>100</strong>" not in ivy.get(report).text:
        assert time.monotonic() < deadline, "the session's submission was not graded"
        time.sleep(0.3)

    ivy.close()
    cand.close()
    create_admin(data_dir, "root@example.com")
    return World(interviewer="ivy@example.com", candidate="cand@example.com", admin="root@example.com",
                 assessment_id=assessment_id, session_id=session_id, invitation=links[1], report=report)
