"""A real browser authors a pytest-kind and a quiz-kind challenge through the form, watches the server's worker
validate each, puts both in an assessment, and opens them as the candidate."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD
from servers import Server, free_port
from test_authoring_kinds import KEY, QUIZ, pytest_pack
from test_browser import CHROMIUM, FLAGS, require_browser
from test_browser_authoring import WAIT_MS
from test_browser_interview import ARTEFACTS, shot

from proctor.store import Store, users


def sign_up(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{base}/")


def choose_kind(page: Any, base: str, kind: str) -> None:
    page.goto(f"{base}/authoring/new")
    page.get_by_label("Kind").select_option(kind)
    page.get_by_role("button", name="Use this kind").click()
    page.wait_for_url(f"{base}/authoring/new?kind={kind}")
    assert page.locator("#pack-form input[name=kind]").input_value() == kind
    shot(page, f"authoring-kinds-0-new-{kind}.png")


def editor(page: Any, label: str) -> Any:
    """A code field: the candidates' editor (CodeMirror), whose text box carries the field's label."""
    return page.locator(f".cm-content[aria-label^='{label}']")


def wait_validated(page: Any, url: str) -> None:
    page.wait_for_url(url)
    page.wait_for_selector("#pack-validated", timeout=WAIT_MS)
    assert page.locator("#validation-status").get_attribute("data-status") == "done"


@pytest.mark.slow
def test_authoring_a_pytest_and_a_quiz_challenge_then_taking_them(data_dir: Path, bwrap: Any) -> None:
    sync_playwright = require_browser()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    server = Server(data_dir, free_port())
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    pack = pytest_pack()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            ivy = browser.new_context(viewport={"width": 390, "height": 900}).new_page()
            sign_up(ivy, base, "ivy@example.com")
            store = Store.open(data_dir / "proctor.db")
            users.set_role(store, user_id=users.get_by_email(store, email="ivy@example.com").id, role="interviewer")
            store.close()

            # 1. a pytest-kind pack: the correct app, three mutants with their descriptions, the suites
            choose_kind(ivy, base, "pytest")
            ivy.get_by_label("Slug").fill("shop-tests")
            ivy.get_by_label("Title").fill("Shop tests")
            ivy.get_by_label("Prompt (Markdown)").fill(pack["prompt"])
            editor(ivy, "Correct app").fill(pack["app"])
            editor(ivy, "Starter tests").fill(pack["starter"])
            editor(ivy, "Reference tests").fill(pack["reference"])
            for i, (why, code) in enumerate(zip(pack["why"], pack["mutant"], strict=True), 1):
                ivy.get_by_label(f"Mutant {i} description (one line)").fill(why)
                editor(ivy, f"Mutant {i} code").fill(code)
            ivy.get_by_role("button", name="Save and validate").click()
            wait_validated(ivy, f"{base}/authoring/shop-tests-u1")
            assert "You write the tests" in ivy.locator("#pack-kind").inner_text()
            shot(ivy, "authoring-kinds-1-pytest-validated.png")

            # 2. a quiz: a typing mistake is named in the form, with nothing lost; then the fixed quiz validates
            choose_kind(ivy, base, "quiz")
            ivy.get_by_label("Slug").fill("body-quiz")
            ivy.get_by_label("Title").fill("Body quiz")
            ivy.get_by_label("Questions (quiz.toml)").fill(QUIZ.replace('id = "bad-body"', 'id "bad-body"'))
            ivy.get_by_label("Answer key (key.toml)").fill(KEY)
            ivy.get_by_role("button", name="Save and validate").click()
            ivy.wait_for_selector("#pack-problems")
            assert "is not valid TOML" in ivy.locator("#pack-problems").inner_text()
            assert "Put the steps in order." in ivy.get_by_label("Questions (quiz.toml)").input_value()
            ivy.get_by_label("Questions (quiz.toml)").fill(QUIZ)
            ivy.get_by_role("button", name="Save and validate").click()
            wait_validated(ivy, f"{base}/authoring/body-quiz-u1")
            shot(ivy, "authoring-kinds-2-quiz-validated.png")

            # 3. both go into an assessment, labelled with their kinds
            ivy.goto(f"{base}/assessments/new")
            ivy.get_by_label("Title", exact=True).fill("Testing screen")
            ivy.get_by_label("Shop tests").check()
            ivy.get_by_label("Body quiz").check()
            ivy.get_by_label("Time limit (minutes)").fill("30")
            ivy.get_by_role("button", name="Save assessment").click()
            ivy.wait_for_selector("#invite-form")
            ivy.get_by_label("Candidate's email").fill("cand@example.com")
            ivy.get_by_role("button", name="Create invitation link").click()
            link = ivy.locator("#new-link").input_value()

            # 4. the candidate opens each one: the contract and the starter, never the mutants or the key
            cand = browser.new_context(viewport={"width": 390, "height": 900}).new_page()
            cand.goto(link)
            cand.get_by_role("link", name="Create an account").click()
            cand.get_by_label("Password").fill(PASSWORD)
            cand.get_by_role("button", name="Create account").click()
            cand.get_by_role("button", name="Start the assessment").click()
            cand.wait_for_selector("#countdown[data-remaining]")
            assert cand.locator('tr[data-challenge="shop-tests-u1"] .badge-kind').inner_text() == "You write the tests"
            assert cand.locator('tr[data-challenge="body-quiz-u1"] .badge-kind').inner_text() == "Quiz"
            cand.get_by_role("link", name="Shop tests").click()
            cand.wait_for_selector(".cm-editor .cm-content")
            assert "Test the shop." in cand.locator(".prompt").first.inner_text()
            assert "def test_hammer_is_listed" in cand.locator(".cm-content").first.inner_text()
            assert pack["why"][0] not in cand.content()
            shot(cand, "authoring-kinds-3-candidate-pytest.png")
            cand.go_back()
            cand.get_by_role("link", name="Body quiz").click()
            cand.wait_for_selector("text=A request body fails validation. What does FastAPI answer?")
            assert "Unprocessable" not in cand.content()  # the key's explanation is shown only after submitting
            shot(cand, "authoring-kinds-4-candidate-quiz.png")
            browser.close()
    finally:
        server.stop(signal.SIGTERM)
        server.log.close()
