"""A real browser saves an authored pack and watches its check, run by the server's worker, turn into the verdict."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD, REFERENCE
from servers import Server, free_port
from test_browser import CHROMIUM, FLAGS, require_browser
from test_browser_interview import ARTEFACTS, shot

from proctor.settings import PROJECT_ROOT
from proctor.store import Store, users

TESTS = (PROJECT_ROOT / "graders/hello-route/test_hello_route.py").read_text()
WAIT_MS = 180_000  # five real gradings on a busy machine; a wait, not a bound on how long they take


@pytest.mark.slow
def test_saving_a_pack_shows_its_progress_then_its_verdict(data_dir: Path, bwrap: Any) -> None:
    sync_playwright = require_browser()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    server = Server(data_dir, free_port())
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            ivy = browser.new_context(viewport={"width": 390, "height": 900}).new_page()
            ivy.goto(f"{base}/signup")
            ivy.get_by_label("Email").fill("ivy@example.com")
            ivy.get_by_label("Password").fill(PASSWORD)
            ivy.get_by_role("button", name="Create account").click()
            ivy.wait_for_url(f"{base}/")
            store = Store.open(data_dir / "proctor.db")
            users.set_role(store, user_id=users.get_by_email(store, email="ivy@example.com").id, role="interviewer")
            store.close()

            ivy.goto(f"{base}/authoring/new")
            ivy.get_by_label("Slug").fill("greeting-api")
            ivy.get_by_label("Title").fill("Greeting API")
            # The code fields are the candidates' editor (CodeMirror): its text box carries the field's label.
            ivy.locator(".cm-content[aria-label^='Hidden tests']").fill(TESTS)
            ivy.locator(".cm-content[aria-label^='Reference solution']").fill(REFERENCE)
            ivy.get_by_role("button", name="Save and validate").click()

            ivy.wait_for_url(f"{base}/authoring/greeting-api-u1")
            status = ivy.locator("#validation-status")
            assert status.get_attribute("data-status") in ("queued", "running")  # the save did not wait for it
            ivy.wait_for_selector('#validation-status[data-status="running"] progress', timeout=WAIT_MS)
            shot(ivy, "authoring-1-validating.png")
            ivy.wait_for_selector("#pack-validated", timeout=WAIT_MS)
            assert status.get_attribute("data-status") == "done"
            assert "Validated" in ivy.locator("#pack-validated").inner_text()
            assert ivy.get_by_role("link", name="Export the pack (zip)").is_visible()
            shot(ivy, "authoring-2-validated.png")
            browser.close()
    finally:
        server.stop(signal.SIGTERM)
        server.log.close()
