"""A real browser on a practice page while its challenge is held by the candidate's running assessment: the
banner says why and until when, Submit and Run examples are disabled (Ctrl+Enter too), its link leads to the
session, and the page opens again once the session is over."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from conftest import PASSWORD
from servers import Server, free_port
from test_browser import ARTEFACTS, CHROMIUM, FLAGS, require_browser

from proctor.store import Store, assessments, invitations, sittings, users


def sit(data_dir: Path, email: str) -> int:
    """An interviewer's assessment holding hello-route, and a session the candidate has started; its id."""
    store = Store.open(data_dir / "proctor.db")
    try:
        owner = users.create(store, email="ivy@example.com", password_hash="h", role="interviewer")
        a = assessments.create(store, owner_id=owner.id, title="Backend screen", intro="", challenges=["hello-route"],
                               time_limit_minutes=30, opens_at=None, closes_at=None, score_visibility="never")
        inv, _ = invitations.create(store, assessment_id=a.id, email=email, lifetime_seconds=3600)
        cand = users.get_by_email(store, email=email)
        return sittings.start(store, invitation_id=inv.id, user_id=cand.id, time_limit_seconds=1800,
                                         closes_at=None).id
    finally:
        store.close()


@pytest.mark.slow
def test_a_held_practice_page_says_why_and_cannot_submit(data_dir: Path) -> None:
    sync_playwright = require_browser()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    server = Server(data_dir, free_port())
    server.env["PROCTOR_WARM_POOL"] = "0"  # nothing is graded here
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # a phone
            page.goto(f"{base}/signup")
            page.get_by_label("Email").fill("cand@example.com")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Create account").click()
            page.wait_for_url(f"{base}/")
            session_id = sit(data_dir, "cand@example.com")

            posts: list[str] = []
            page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
            page.goto(f"{base}/challenges/hello-route")
            banner = page.locator("#practice-hold")
            assert "You are sitting “Backend screen” until" in banner.inner_text()
            assert page.get_by_role("button", name="Submit", exact=True).is_disabled()
            assert page.get_by_role("button", name="Run examples").is_disabled()
            page.locator(".cm-content").first.click()
            page.keyboard.press("Control+Enter")  # the shortcut must not get round the disabled button
            page.get_by_role("button", name="Save draft").click()  # drafts still save
            page.wait_for_selector("#draft-status .draft-saved")
            assert not [u for u in posts if u.endswith("/submissions")], posts
            page.screenshot(path=str(ARTEFACTS / "practice-hold.png"), full_page=True)

            page.get_by_role("link", name="Go to your session").click()
            page.wait_for_url(f"{base}/sittings/{session_id}")

            store = Store.open(data_dir / "proctor.db")
            sittings.close(store, session_id=session_id, status="finished")
            store.close()
            page.goto(f"{base}/challenges/hello-route")
            assert page.locator("#practice-hold").count() == 0
            assert page.get_by_role("button", name="Submit", exact=True).is_enabled()
            browser.close()
    finally:
        server.stop(signal.SIGTERM)
        server.log.close()
