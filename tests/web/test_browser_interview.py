"""A real browser through the interviewer workflow: assess, invite, take it, review the score and playback."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD, REFERENCE
from servers import Server, free_port
from test_browser import CHROMIUM, FLAGS, require_browser

from proctor.settings import PROJECT_ROOT
from proctor.store import Store, users

ARTEFACTS = PROJECT_ROOT / "tmp" / "artefacts"


def shot(page: Any, name: str) -> None:
    path = ARTEFACTS / name
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0


@pytest.mark.slow
def test_interviewer_invites_candidate_solves_interviewer_reviews(data_dir: Path, bwrap: Any) -> None:
    sync_playwright = require_browser()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    server = Server(data_dir, free_port())
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            ivy = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            ivy.goto(f"{base}/signup")
            ivy.get_by_label("Email").fill("ivy@example.com")
            ivy.get_by_label("Password").fill(PASSWORD)
            ivy.get_by_role("button", name="Create account").click()
            ivy.wait_for_url(f"{base}/")
            store = Store.open(data_dir / "proctor.db")
            users.set_role(store, user_id=users.get_by_email(store, email="ivy@example.com").id, role="interviewer")
            store.close()

            # 1. the interviewer creates an assessment and invites a candidate
            ivy.goto(f"{base}/assessments")
            ivy.get_by_role("link", name="New assessment").first.click()
            ivy.get_by_label("Title").fill("Backend screen")
            ivy.get_by_label("Hello, route").check()
            ivy.get_by_label("Time limit (minutes)").fill("30")
            ivy.get_by_label("Candidates see their scores").select_option("during")
            ivy.get_by_role("button", name="Save assessment").click()
            ivy.wait_for_selector("#invite-form")
            ivy.get_by_label("Candidate's email").fill("cand@example.com")
            ivy.get_by_role("button", name="Create invitation link").click()
            link = ivy.locator("#new-link").input_value()
            assert "/invite/" in link
            shot(ivy, "interview-1-invited.png")

            # 2. the candidate opens the link, signs up, starts, solves hello-route and submits
            cand = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            cand.goto(link)
            cand.get_by_role("link", name="Create an account").click()
            assert cand.get_by_label("Email").input_value() == "cand@example.com"
            cand.get_by_label("Password").fill(PASSWORD)
            cand.get_by_role("button", name="Create account").click()
            cand.get_by_role("button", name="Start the assessment").click()
            cand.wait_for_selector("#countdown[data-remaining]")
            cand.get_by_role("link", name="Hello, route").click()
            cand.wait_for_selector(".cm-editor .cm-content")
            assert cand.locator("#countdown-value").inner_text().startswith("2")  # 29:5x, ticking
            editor = cand.locator(".cm-content").first
            editor.click()
            cand.keyboard.press("Control+A")
            cand.keyboard.press("Delete")
            cand.keyboard.type("# first try\n")
            cand.wait_for_selector("#draft-status .draft-saved")
            cand.evaluate("document.getElementById('draft-status').textContent = ''")
            cand.keyboard.insert_text(REFERENCE)
            cand.wait_for_selector("#draft-status .draft-saved")
            cand.keyboard.press("Control+Enter")
            cand.wait_for_selector('#submission-status[data-status="done"]', timeout=60_000)
            assert cand.locator("#final-score").inner_text() == "100"
            shot(cand, "interview-2-candidate-submitted.png")

            # 3. the interviewer sees the score 100 and the playback
            ivy.goto(f"{base}/assessments")
            ivy.get_by_role("link", name="Results").first.click()
            cell = ivy.locator('td[data-challenge="hello-route"]')
            assert cell.inner_text() == "100"
            shot(ivy, "interview-3-results.png")
            ivy.get_by_role("link", name="cand@example.com").click()
            slider = ivy.locator("#slider-hello-route")
            last = int(slider.get_attribute("max") or 0)
            assert last >= 1
            assert "Hello World" in ivy.locator("#playback-hello-route").inner_text()
            slider.focus()
            ivy.keyboard.press("Home")  # the slider is keyboard-usable; back to the first snapshot
            ivy.wait_for_selector('#playback-hello-route[data-index="0"]')
            assert "first try" in ivy.locator("#playback-hello-route").inner_text()
            assert "Hello World" not in ivy.locator("#playback-hello-route").inner_text()
            shot(ivy, "interview-4-playback.png")
            browser.close()
    finally:
        server.stop(signal.SIGTERM)
        server.log.close()
