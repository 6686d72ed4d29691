"""Authoring challenges in the browser: the form, validation errors in the form, privacy, export, use."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from conftest import REFERENCE, Client
from fastapi import FastAPI
from interviews import create_assessment, invite, staff, start

from proctor.grading.packs import Challenge
from proctor.settings import PROJECT_ROOT
from proctor.web.validation_jobs import ValidationRunner, Validator

pytestmark = pytest.mark.anyio
TESTS = (PROJECT_ROOT / "graders/hello-route/test_hello_route.py").read_text()
STARTER = (PROJECT_ROOT / "challenges/hello-route/starter/app.py").read_text()


def pack(**over: Any) -> dict[str, Any]:
    return {"slug": "greeting-api", "title": "Greeting API", "difficulty": "easy", "minutes": "10",
            "prompt": "# Greet\n\n`GET /` answers **hello**.", "starter": STARTER, "tests": TESTS,
            "reference": REFERENCE, "wrong": ["from fastapi import FastAPI\napp = FastAPI()\n", "", ""], **over}


def fake_validator(seen: list[Challenge]) -> Any:
    def run(challenge: Challenge) -> list[str]:
        seen.append(challenge)
        ref = challenge.reference_files()["app.py"].decode()
        return [] if "Hello World" in ref else ["the reference scored 0 (graded): test_root (failed: ...)"]
    return run


def run_validations(app: FastAPI, validator: Validator | None = None, backend: Any = None) -> int:
    """What the grading workers do with the queued checks (the `app` fixture has no workers)."""
    runner = ValidationRunner(app.state.store, settings=app.state.settings, backend=backend, validator=validator)
    done = 0
    while runner.run_next(lease_seconds=60):
        done += 1
    return done


async def test_author_validate_export_and_use(app: FastAPI, client: Client) -> None:
    seen: list[Challenge] = []
    ivy = await staff(app, "ivy@example.com")
    assert "not written a challenge" in (await ivy.page("/authoring")).text()
    form = await ivy.page("/authoring/new")
    assert form.find("textarea", name="tests") is not None and form.find("textarea", name="wrong") is not None
    preview = await ivy.post("/authoring/preview", {"prompt": "# Hi *there*"}, htmx=True)
    assert "<em>there</em>" in preview.text and "<h1>" in preview.text

    bad = await ivy.post("/authoring", pack(reference="from fastapi import FastAPI\napp = FastAPI()\n"))
    assert bad.status_code == 303 and seen == []  # stored and queued; the check runs in a worker
    assert run_validations(app, fake_validator(seen)) == 1
    assert "the reference scored 0" in (await ivy.get("/authoring/greeting-api")).text
    page = await ivy.page("/authoring/greeting-api")  # stored, but not validated
    assert page.by_id("pack-problems") is not None
    assert ("greeting-api", "Greeting API", True) not in [
        (i.attrs["value"], "", True) for i in (await ivy.page("/assessments/new")).find_all("input", name="challenges")]
    r = await ivy.post("/assessments", {"title": "x", "challenges": ["greeting-api"], "time_limit_minutes": "5",
                                        "score_visibility": "after"})
    assert r.status_code == 400 and "not validated" in r.text

    r = await ivy.post("/authoring/greeting-api", pack())
    assert r.status_code == 303
    assert run_validations(app, fake_validator(seen)) == 1
    page = await ivy.page("/authoring/greeting-api")
    assert page.by_id("pack-validated") is not None
    assert seen[-1].slug == "greeting-api" and seen[-1].hidden_tests()
    assert (await ivy.page("/authoring", htmx=True)).find("tr", data_slug="greeting-api") is not None

    archive = zipfile.ZipFile(io.BytesIO((await ivy.get("/authoring/greeting-api/pack.zip")).content))
    names = set(archive.namelist())
    assert {"challenges/greeting-api/challenge.toml", "challenges/greeting-api/prompt.md",
            "challenges/greeting-api/starter/app.py", "graders/greeting-api/test_hidden.py",
            "graders/greeting-api/reference/app.py", "graders/greeting-api/wrong/case-1/app.py"} <= names

    # private: another interviewer, candidates, and the practice pages cannot reach it
    ian = await staff(app, "ian@example.com")
    assert (await ian.get("/authoring/greeting-api")).status_code == 404
    assert (await ian.get("/authoring/greeting-api/pack.zip")).status_code == 404
    assert (await ian.page("/assessments/new")).find("input", value="greeting-api") is None
    admin = await staff(app, "root@example.com", role="admin")
    assert (await admin.get("/authoring/greeting-api")).status_code == 200

    # validated: it goes into an assessment and a candidate can take it, without seeing the hidden tests
    aid = await create_assessment(ivy, ("greeting-api",))
    path = await invite(ivy, aid, "cand@example.com")
    await client.signup("cand@example.com")
    assert (await client.get("/challenges/greeting-api")).status_code == 404  # not in practice
    assert "greeting-api" not in (await client.get("/")).text
    sid = await start(client, path)
    page = await client.get(f"/sessions/{sid}/challenges/greeting-api")
    assert page.status_code == 200 and "<strong>hello</strong>" in page.text and "def test_" not in page.text
    assert app.state.challenges.get("greeting-api").title == "Greeting API"  # the workers find it too


async def test_slug_rules(app: FastAPI) -> None:
    ivy = await staff(app, "ivy@example.com")
    await ivy.get("/authoring/new")
    for slug, message in (("Bad Slug", "lower-case"), ("hello-route", "taken")):
        r = await ivy.post("/authoring", pack(slug=slug))
        assert r.status_code == 400 and message in r.text
    assert (await ivy.post("/authoring", pack())).status_code == 303
    assert "taken" in (await ivy.post("/authoring", pack())).text
    await ivy.get("/authoring")
    frag = await ivy.post("/authoring", pack(title=""), htmx=True)
    assert frag.status_code == 400 and "<html" not in frag.text


@pytest.mark.slow
async def test_real_validation_with_the_sandbox(app: FastAPI, bwrap: Any) -> None:
    """One real check_pack run: the wrong case passing everything is reported in the form."""
    ivy = await staff(app, "ivy@example.com")
    await ivy.get("/authoring/new")
    r = await ivy.post("/authoring", pack(wrong=[REFERENCE, "", ""]))
    assert r.status_code == 303
    assert run_validations(app, backend=bwrap) == 1
    assert "wrong/case-1 scores 100" in (await ivy.get("/authoring/greeting-api")).text
