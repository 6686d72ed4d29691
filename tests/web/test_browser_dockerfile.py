"""A real browser submits a Dockerfile (kind "static") and reads each check's verdict and message."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD
from servers import Server, free_port
from test_browser import ARTEFACTS, CHROMIUM, FLAGS, require_browser

from proctor.settings import PROJECT_ROOT

REFERENCE = (PROJECT_ROOT / "graders/dockerfile/reference/Dockerfile").read_text()
AS_ROOT = REFERENCE.replace("USER app\n", "")  # fails exactly the non-root check


def replace_editor_text(page: Any, index: int, text: str) -> None:
    editor = page.locator(".cm-content").nth(index)
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


@pytest.mark.slow
def test_submit_a_dockerfile_and_read_every_check(data_dir: Path, bwrap: Any) -> None:
    from tests.conftest import require_backend

    require_backend("docker")
    sync_playwright = require_browser()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    server = Server(data_dir, free_port())
    server.env["PROCTOR_DOCKERFILE_BUILD"] = "on"
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/signup")
            page.get_by_label("Email").fill("docker@example.com")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Create account").click()
            page.wait_for_url(f"{base}/")

            page.get_by_role("link", name="A production Dockerfile").click()
            page.wait_for_selector(".cm-editor .cm-content")
            tabs = page.get_by_role("tab")
            assert tabs.nth(0).inner_text() == "Dockerfile" and tabs.nth(1).inner_text() == ".dockerignore"
            assert page.locator("#custom-request").count() == 0  # no app of the candidate's to send requests to
            replace_editor_text(page, 0, AS_ROOT)
            tabs.nth(1).click()
            replace_editor_text(page, 1, ".git\n.venv\n")
            page.wait_for_selector("#draft-status .draft-saved")

            # "Run checks": the static checks only, build and run listed as not run
            page.get_by_role("button", name="Run checks").click()
            page.wait_for_selector('#submission-status[data-status="done"]', timeout=60_000)
            assert "Examples: 10 / 12 points" in page.locator("#submission-status .score").inner_text()
            assert "Not run: only the static checks run" in page.locator('li[data-test="build"]').inner_text()

            page.get_by_role("button", name="Submit").click()
            page.wait_for_selector('#submission-status h2:has-text("Submission")')
            try:
                page.wait_for_selector('#submission-status[data-status="done"]', timeout=180_000)
            except Exception:
                page.screenshot(path=str(ARTEFACTS / "browser-dockerfile-failure.png"), full_page=True)
                (ARTEFACTS / "server.log").write_bytes((data_dir / "server.log").read_bytes())
                raise
            assert page.locator("#final-score").inner_text() == "90"
            failed = page.locator("li.test-failed")
            assert failed.count() == 1
            assert failed.get_attribute("data-test") == "non-root-user"
            assert "Switch to an unprivileged user in the final stage" in failed.inner_text()
            assert "no USER in the final stage" in failed.inner_text()
            assert page.locator("li.test-passed").count() == 8
            assert page.locator('li[data-test="build"].test-passed').count() == 1
            assert page.locator('li[data-test="run"].test-passed').count() == 1
            page.screenshot(path=str(ARTEFACTS / "browser-dockerfile.png"), full_page=True)

            # The catalog shows the new kind, and the page fits a phone.
            page.goto(f"{base}/")
            assert page.locator('li.card[data-kind="static"][data-slug="dockerfile"]').count() == 1
            page.set_viewport_size({"width": 390, "height": 844})
            page.goto(f"{base}/challenges/dockerfile")
            width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], width
            browser.close()
    finally:
        server.stop(signal.SIGTERM)
        server.log.close()
