"""The static kind on the web: catalog, API, the challenge page's files and buttons, and a timed assessment."""

from __future__ import annotations

import time

import pytest
from conftest import Client
from fastapi import FastAPI
from interviews import create_assessment, invite, staff, start
from pagetree import parse
from test_quiz_pages import NoSandbox

from proctor.grading.engine import grade
from proctor.pipeline.worker import Workers
from proctor.settings import PROJECT_ROOT, Settings
from proctor.store import submissions
from proctor.web.sections import section_title

pytestmark = pytest.mark.anyio
SLUG = "dockerfile"
REFERENCE = (PROJECT_ROOT / "graders/dockerfile/reference/Dockerfile").read_text()
NO_ENGINE = Settings(dockerfile_build="off")


def grade_queued(app: FastAPI, timeout: float = 10.0) -> None:
    """Real grading workers, with Dockerfile builds off: this test is about the pages, not the engine."""
    store = app.state.store
    pool = Workers(store=store, catalog=app.state.challenges, backend=NoSandbox(), count=1,  # type: ignore[arg-type]
                      lease_seconds=5, grade=lambda *a, **kw: grade(*a, **kw, pool=NoSandbox(), settings=NO_ENGINE))
    pool.start()
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            counts = submissions.status_counts(store)
            if not counts.get("queued") and not counts.get("running"):
                return
            time.sleep(0.02)
        raise AssertionError(f"still grading: {submissions.status_counts(store)}")
    finally:
        pool.stop()


async def test_catalog_and_api_show_the_static_kind(alice: Client) -> None:
    page = await alice.page("/")
    card = page.find("li", data_slug=SLUG)
    assert card is not None and card.attrs["data-kind"] == "static"
    assert card.find("a").attrs["href"] == f"/challenges/{SLUG}"
    listing = await alice.get("/api/v1/challenges")
    assert {"slug": SLUG, "kind": "static"}.items() <= next(c for c in listing.json() if c["slug"] == SLUG).items()
    detail = (await alice.get(f"/api/v1/challenges/{SLUG}")).json()
    assert set(detail["starter_files"]) == {"Dockerfile", ".dockerignore"}
    assert "checks.toml" not in str(detail) and "unprivileged user" not in str(detail)


async def test_the_challenge_page_edits_the_dockerfile_and_its_ignore_file(alice: Client) -> None:
    page = await alice.page(f"/challenges/{SLUG}")
    tabs = [t.text().strip() for t in page.find_all("button", role="tab")]
    assert tabs[:2] == ["Dockerfile", ".dockerignore"] and any(t.startswith("main.py") for t in tabs)
    names = [i.attrs["value"] for i in page.find_all("input", name="filename")]
    assert names == ["Dockerfile", ".dockerignore"]
    buttons = [b.text().strip() for b in page.find_all("button", type="submit")]
    assert "Run checks" in buttons and "Run examples" not in buttons
    assert page.by_id("custom-request") is None
    sent = await alice.post(f"/challenges/{SLUG}/requests", {"method": "GET", "path": "/health"})
    assert sent.status_code == 404


async def test_a_dockerfile_submission_is_graded_check_by_check(app: FastAPI, alice: Client) -> None:
    await alice.get(f"/challenges/{SLUG}")
    wrong = REFERENCE.replace("USER app\n", "")
    r = await alice.post(f"/challenges/{SLUG}/submissions", {"filename": ["Dockerfile", ".dockerignore"],
                                                             "content": [wrong, ".git\n.venv\n"]})
    assert r.status_code == 303
    grade_queued(app)
    page = await alice.page(r.headers["location"])
    assert page.by_id("final-score").text() == "83.33"
    failed = page.find_all("li", class_="test-failed")
    assert [li.attrs["data-test"] for li in failed] == ["non-root-user"]
    assert "Switch to an unprivileged user" in failed[0].text()
    build = page.find("li", data_test="build")
    assert "Not run: Dockerfile builds are switched off" in build.text()
    assert "The score covers the static checks only." in page.text()
    # the dashboard's mastery counts it toward its sections (§22 also holds a quiz not taken: half of 83.33)
    dashboard = await alice.page("/dashboard")
    assert f"§22 {section_title(22)}: 42%" in dashboard.by_id("mastery-title").text()


async def test_a_static_challenge_in_a_timed_assessment(app: FastAPI, client: Client) -> None:
    ivy = await staff(app, "ivy@example.com")
    aid = await create_assessment(ivy, ("hello-route", SLUG))
    await client.signup("cand@example.com")
    sid = await start(client, await invite(ivy, aid, "cand@example.com"))
    base = f"/sittings/{sid}/challenges/{SLUG}"
    page = await client.get(base)
    assert page.status_code == 200
    assert [i.attrs["value"] for i in parse(page.text).find_all("input", name="filename")][0] == "Dockerfile"
    assert "Run checks" in [b.text().strip() for b in parse(page.text).find_all("button", type="submit")]
    r = await client.post(base + "/submissions", {"filename": "Dockerfile", "content": REFERENCE})
    assert r.status_code == 303, r.text
    grade_queued(app)
    results = await ivy.page(f"/assessments/{aid}/results")
    assert results.find("tr", data_session=str(sid)).find("td", data_challenge=SLUG).text() == "100"
