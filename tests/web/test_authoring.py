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
from proctor.pipeline.validation import ValidationRunner, Validator
from proctor.settings import PROJECT_ROOT

pytestmark = pytest.mark.anyio
STORED = "greeting-api-u1"  # as saved: ivy is the first account, and her slugs end in her namespace, -u1
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
    assert "the reference scored 0" in (await ivy.get(f"/authoring/{STORED}")).text
    page = await ivy.page(f"/authoring/{STORED}")  # stored, but not validated
    assert page.by_id("pack-problems") is not None
    assert (STORED, "Greeting API", True) not in [
        (i.attrs["value"], "", True) for i in (await ivy.page("/assessments/new")).find_all("input", name="challenges")]
    r = await ivy.post("/assessments", {"title": "x", "challenges": [STORED], "time_limit_minutes": "5",
                                        "score_visibility": "after"})
    assert r.status_code == 400 and "not validated" in r.text

    r = await ivy.post(f"/authoring/{STORED}", pack())
    assert r.status_code == 303
    assert run_validations(app, fake_validator(seen)) == 1
    page = await ivy.page(f"/authoring/{STORED}")
    assert page.by_id("pack-validated") is not None
    assert seen[-1].slug == STORED and seen[-1].hidden_tests()
    assert (await ivy.page("/authoring", htmx=True)).find("tr", data_slug=STORED) is not None

    archive = zipfile.ZipFile(io.BytesIO((await ivy.get(f"/authoring/{STORED}/pack.zip")).content))
    names = set(archive.namelist())
    assert {f"challenges/{STORED}/challenge.toml", f"challenges/{STORED}/prompt.md",
            f"challenges/{STORED}/starter/app.py", f"graders/{STORED}/test_hidden.py",
            f"graders/{STORED}/reference/app.py", f"graders/{STORED}/wrong/case-1/app.py"} <= names

    # private: another interviewer, candidates, and the practice pages cannot reach it
    ian = await staff(app, "ian@example.com")
    assert (await ian.get(f"/authoring/{STORED}")).status_code == 404
    assert (await ian.get(f"/authoring/{STORED}/pack.zip")).status_code == 404
    assert (await ian.page("/assessments/new")).find("input", value=STORED) is None
    admin = await staff(app, "root@example.com", role="admin")
    assert (await admin.get(f"/authoring/{STORED}")).status_code == 200

    # validated: it goes into an assessment and a candidate can take it, without seeing the hidden tests
    aid = await create_assessment(ivy, (STORED,))
    path = await invite(ivy, aid, "cand@example.com")
    await client.signup("cand@example.com")
    assert (await client.get(f"/challenges/{STORED}")).status_code == 404  # not in practice
    assert STORED not in (await client.get("/")).text
    sid = await start(client, path)
    page = await client.get(f"/sittings/{sid}/challenges/{STORED}")
    assert page.status_code == 200 and "<strong>hello</strong>" in page.text and "def test_" not in page.text
    assert app.state.challenges.get(STORED).title == "Greeting API"  # the workers find it too


async def test_slug_rules(app: FastAPI) -> None:
    ivy = await staff(app, "ivy@example.com")
    await ivy.get("/authoring/new")
    for slug in ("Bad Slug", "a" * 51):
        r = await ivy.post("/authoring", pack(slug=slug))
        assert r.status_code == 400 and "lower-case" in r.text
    assert (await ivy.post("/authoring", pack())).status_code == 303
    again = await ivy.post("/authoring", pack())
    assert again.status_code == 400 and f"You already have a challenge “{STORED}”" in again.text
    assert (await ivy.post("/authoring", pack(slug=STORED))).status_code == 400  # her full slug is the same one
    await ivy.get("/authoring")
    frag = await ivy.post("/authoring", pack(title=""), htmx=True)
    assert frag.status_code == 400 and "<html" not in frag.text


async def test_a_slug_never_tells_whether_another_interviewer_has_it(app: FastAPI) -> None:
    """Each author's slugs live in their own namespace: B saving the name A chose (or A's full stored slug)
    simply works, so B cannot learn from a refusal that A has a private challenge of that name."""
    ivy, ian = await staff(app, "ivy@example.com"), await staff(app, "ian@example.com")
    await ivy.get("/authoring/new")
    assert (await ivy.post("/authoring", pack(slug="acme-backend-screen"))).headers["location"].startswith(
        "/authoring/acme-backend-screen-u1")
    await ian.get("/authoring/new")
    for typed, stored in (("acme-backend-screen", "acme-backend-screen-u2"),
                          ("acme-backend-screen-u1", "acme-backend-screen-u1-u2")):
        r = await ian.post("/authoring", pack(slug=typed))
        assert r.status_code == 303 and r.headers["location"] == f"/authoring/{stored}"
    assert (await ian.get("/authoring/acme-backend-screen-u1")).status_code == 404
    mine = (await ivy.page("/authoring", htmx=True)).find_all("tr")
    assert [tr.attrs.get("data-slug") for tr in mine if tr.attrs.get("data-slug")] == ["acme-backend-screen-u1"]


@pytest.mark.slow
async def test_real_validation_with_the_sandbox(app: FastAPI, bwrap: Any) -> None:
    """One real check_pack run: the wrong case passing everything is reported in the form."""
    ivy = await staff(app, "ivy@example.com")
    await ivy.get("/authoring/new")
    r = await ivy.post("/authoring", pack(wrong=[REFERENCE, "", ""]))
    assert r.status_code == 303
    assert run_validations(app, backend=bwrap) == 1
    assert "wrong/case-1 scores 100" in (await ivy.get(f"/authoring/{STORED}")).text


async def test_the_assessment_form_prefers_private_packs_and_marks_public_ones(app: FastAPI) -> None:
    ivy = await staff(app, "ivy@example.com")
    await ivy.get("/authoring/new")
    assert (await ivy.post("/authoring", pack())).status_code == 303
    assert run_validations(app, fake_validator([])) == 1
    items = (await ivy.page("/assessments/new")).by_id("assessment-form").find_all("li")
    first = items[0]
    assert first.find("input").attrs["value"] == STORED
    assert "private: yours" in first.find("span", class_="badge-private").text()
    assert "practise" not in first.text()
    public = items[1:]
    assert len(public) == len(app.state.catalog.all())
    assert all("public: candidates can practise it beforehand" in li.text() for li in public)
