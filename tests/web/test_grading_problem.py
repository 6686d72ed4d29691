"""A submission the platform cannot grade (here: no sandbox runtime) tells the candidate, stays queued, and is
graded exactly once when the operator fixes the platform."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import REFERENCE, SANDBOX_RUNTIME, Client, make_settings
from interviews import create_assessment, invite, staff, start
from pagetree import parse
from test_grading_live import wait_done

from proctor.store import submissions
from proctor.web.app import create_app

pytestmark = pytest.mark.anyio
PROBLEM = "The grading service has a problem; your submission is kept and will be graded when it is fixed."


async def wait_for_problem(client: Client, url: str) -> str:
    deadline = time.monotonic() + 60  # bounds a hang; the first retry comes right after the first failure
    while time.monotonic() < deadline:
        panel = parse((await client.get(url, htmx=True)).text)
        notice = panel.by_id("grading-problem")
        if notice is not None:
            assert panel.by_id("submission-status").attrs["data-status"] == "queued"
            return " ".join(notice.text().split())
        await asyncio.sleep(0.2)
    raise AssertionError(f"{url} never said that grading has a problem")


@pytest.mark.slow
async def test_a_submission_the_platform_cannot_grade_says_so_and_is_graded_once_fixed(data_dir: Path,
                                                                                      bwrap: Any) -> None:
    runtime = data_dir / "runtime"  # missing: every grading fails with RuntimeMissing
    app = create_app(make_settings(data_dir, sandbox_runtime=runtime, warm_pool=0), start_workers=True)
    async with app.router.lifespan_context(app):
        ivy = await staff(app, "ivy@example.com")
        assessment_id = await create_assessment(ivy)
        link = await invite(ivy, assessment_id, "cand@example.com")
        pat = Client(app)  # practising, while cand sits the assessment (one queued submission each)
        await pat.signup("pat@example.com")
        practice_id = int((await pat.submit(REFERENCE)).headers["location"].rsplit("/", 1)[1])
        cand = Client(app)
        await cand.signup("cand@example.com")
        session_id = await start(cand, link)
        await cand.get(f"/sittings/{session_id}/challenges/hello-route")
        response = await cand.post(f"/sittings/{session_id}/challenges/hello-route/submissions",
                                   {"filename": "app.py", "content": REFERENCE, "suite": "hidden"}, htmx=True)
        session_panel = f"/sittings/{session_id}/submissions/"
        session_panel += parse(response.text).find("h2").text().rsplit("#", 1)[1].strip()

        assert await wait_for_problem(pat, f"/submissions/{practice_id}") == PROBLEM
        assert await wait_for_problem(cand, session_panel) == PROBLEM
        assert submissions.get(app.state.store, submission_id=practice_id).result is None  # nothing recorded

        # The operator runs `proctor sandbox setup`; the next retry grades both.
        shutil.copytree(SANDBOX_RUNTIME, runtime, symlinks=True)
        await wait_done(pat, practice_id, seconds=120)
        page = await pat.page(f"/submissions/{practice_id}")
        assert page.by_id("final-score").text() == "100" and page.by_id("grading-problem") is None
        deadline = time.monotonic() + 120
        while 'data-status="done"' not in (panel := (await cand.get(session_panel, htmx=True)).text):
            assert time.monotonic() < deadline, panel
            await asyncio.sleep(0.2)
        assert parse(panel).by_id("final-score").text() == "100"
        graded = app.state.metrics.registry.get_sample_value("proctor_gradings_total",
                                                             {"suite": "hidden", "status": "graded"})
        assert graded == 2  # each graded exactly once
        await ivy.aclose()
        await pat.aclose()
        await cand.aclose()
