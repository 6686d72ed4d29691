"""A real browser under the Content-Security-Policy: the main pages raise no console error and no violation,
and the controls that used inline handlers (Copy link, the Reset and Finish confirmations) still work."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD
from servers import Server, free_port
from test_browser import CHROMIUM, FLAGS, require_browser

from proctor.store import Store, users

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline")));
"""


class Watched:
    """A page whose console errors, uncaught exceptions and CSP violations are collected."""

    def __init__(self, context: Any) -> None:
        self.page = context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: self.problems.append(f"console: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.problems.append(f"error: {e}"))
        # A console "Failed to load resource" does not say which; the response does.
        self.page.on("response", lambda r: self.problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None)

    def check(self) -> None:
        """No problem on this page so far (CSP violations are read from the page itself)."""
        violations = self.page.evaluate("window.__violations || []")
        assert not violations and not self.problems, (self.page.url, violations, self.problems)


def sign_up(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{base}/")


@pytest.mark.slow
def test_main_pages_run_under_the_policy_and_their_controls_work(data_dir: Path) -> None:
    sync_playwright = require_browser()
    server = Server(data_dir, free_port())
    server.env["PROCTOR_WARM_POOL"] = "0"  # nothing is graded here
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_init_script(RECORD_VIOLATIONS)
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
            ivy = Watched(context)
            sign_up(ivy.page, base, "ivy@example.com")
            store = Store.open(data_dir / "proctor.db")
            users.set_role(store, user_id=users.get_by_email(store, email="ivy@example.com").id, role="interviewer")
            store.close()
            assert ivy.page.locator("body").evaluate("b => getComputedStyle(b).fontFamily")  # proctor.css applied
            ivy.check()

            # The challenge page with its editor, and Reset: cancelling keeps the code, confirming resets it.
            ivy.page.goto(f"{base}/challenges/hello-route")
            ivy.page.wait_for_selector(".cm-editor .cm-content")
            # CodeMirror's own styles arrive as a constructed stylesheet, which the policy allows.
            assert ivy.page.locator(".cm-editor").first.evaluate("e => getComputedStyle(e).display") == "flex"
            resets: list[str] = []
            ivy.page.on("request", lambda r: resets.append(r.url) if r.url.endswith("/reset") else None)
            ivy.page.once("dialog", lambda d: d.dismiss())
            ivy.page.get_by_role("button", name="Reset to starter").click()
            ivy.page.once("dialog", lambda d: d.accept())
            with ivy.page.expect_navigation():
                ivy.page.get_by_role("button", name="Reset to starter").click()
            assert len(resets) == 1  # the dismissed one sent nothing (it would have come first)
            ivy.page.wait_for_selector(".cm-editor .cm-content")
            ivy.check()

            ivy.page.goto(f"{base}/dashboard")
            ivy.check()

            # An assessment page, an invitation, and Copy link.
            ivy.page.goto(f"{base}/assessments/new")
            ivy.page.get_by_label("Title").fill("Backend screen")
            ivy.page.get_by_label("Hello, route").check()
            ivy.page.get_by_label("Time limit (minutes)").fill("30")
            ivy.page.get_by_role("button", name="Save assessment").click()
            ivy.page.wait_for_selector("#invite-form")
            ivy.page.get_by_label("Candidate's email").fill("cand@example.com")
            ivy.page.get_by_role("button", name="Create invitation link").click()
            link = ivy.page.locator("#new-link").input_value()
            ivy.page.get_by_role("button", name="Copy link").click()
            ivy.page.wait_for_selector("button[data-copy-from]:text('Copied')")
            assert ivy.page.evaluate("navigator.clipboard.readText()") == link
            ivy.check()

            # The candidate's side: the invitation, the sitting, and Finish (cancelled, then confirmed).
            narrow = browser.new_context(viewport={"width": 390, "height": 800})
            narrow.add_init_script(RECORD_VIOLATIONS)
            cand = Watched(narrow)
            cand.page.goto(link)
            cand.page.get_by_role("link", name="Create an account").click()
            cand.page.get_by_label("Password").fill(PASSWORD)
            cand.page.get_by_role("button", name="Create account").click()
            cand.page.get_by_role("button", name="Start the assessment").click()
            cand.page.wait_for_selector("#countdown[data-remaining]")
            finishes: list[str] = []
            cand.page.on("request", lambda r: finishes.append(r.url) if r.url.endswith("/finish") else None)
            cand.page.once("dialog", lambda d: d.dismiss())
            cand.page.get_by_role("button", name="Finish the assessment").click()
            cand.page.once("dialog", lambda d: d.accept())
            with cand.page.expect_navigation():
                cand.page.get_by_role("button", name="Finish the assessment").click()
            assert len(finishes) == 1
            assert cand.page.get_by_role("button", name="Finish the assessment").count() == 0
            cand.check()
            browser.close()
    finally:
        server.stop(signal.SIGTERM)
        server.log.close()
