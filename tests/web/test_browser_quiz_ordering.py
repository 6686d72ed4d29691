"""A real browser answers quiz-foundations on a phone-sized screen: choice questions by clicking their labels,
the ordering question by choosing positions (with the mouse's select and with the keyboard), which swap and
redraw the list; the draft keeps the order, and the graded result shows the ordering's partial credit."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
from conftest import PASSWORD
from servers import Server, free_port
from test_browser import ARTEFACTS, CHROMIUM, FLAGS, require_browser

from proctor.grading.packs import default_catalog
from proctor.grading.quiz import load_key, load_quiz
from tests.conftest import SETTINGS

SLUG = "quiz-foundations"
QUESTION = "request-lifecycle"


def shown(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The items in the order the list shows them, and each one's selected position, top to bottom."""
    return page.eval_on_selector_all(
        f'#question-{QUESTION} select',
        "els => els.map(s => s.id.replace('position-{q}-', '') + '@' + s.value)".replace("{q}", QUESTION))


@pytest.mark.slow
def test_answer_an_ordering_question_in_a_browser(data_dir: Path) -> None:
    sync_playwright = require_browser()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    challenge = default_catalog(SETTINGS).get(SLUG)
    reference = json.loads(challenge.reference_files()["answers.json"])
    key = list(load_key(challenge).questions[QUESTION].correct)
    listed = next(q for q in load_quiz(challenge).questions if q.id == QUESTION).choice_ids()
    server = Server(data_dir, free_port())
    server.env["PROCTOR_WARM_POOL"] = "0"  # a quiz needs no sandbox
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # a phone
            errors: list[str] = []
            # Failed loads are counted by URL below (the browser's own favicon.ico request is not the page's).
            page.on("console", lambda m: errors.append(m.text)
                    if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.goto(f"{base}/signup")
            page.get_by_label("Email").fill("quiz@example.com")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Create account").click()
            page.wait_for_url(f"{base}/")
            page.locator(f'li[data-slug="{SLUG}"] a').click()
            page.wait_for_url(f"{base}/quizzes/{SLUG}")

            for qid, answer in reference.items():
                if qid != QUESTION:
                    for choice in [answer] if isinstance(answer, str) else answer:
                        page.locator(f'label[for="choice-{qid}-{choice}"]').click()
            assert shown(page) == [f"{item}@{n}" for n, item in enumerate(listed, start=1)]

            # Choosing a taken position swaps the two items and redraws the list in order.
            first, mover = listed[0], listed[6]
            page.get_by_label(page.locator(f'label[for="position-{QUESTION}-{mover}"]').inner_text()).select_option("1")
            assert shown(page)[0] == f"{mover}@1" and f"{first}@7" in shown(page)
            assert page.evaluate("document.activeElement.id") == f"position-{QUESTION}-{mover}"  # focus stays
            assert "now position 1" in page.locator(f"#question-{QUESTION} [data-ordering-status]").inner_text()

            # The keyboard alone: focus an item's select and press the arrow keys.
            page.locator(f"#position-{QUESTION}-{mover}").focus()
            page.keyboard.press("ArrowDown")  # position 2: swaps with the item below
            assert shown(page)[1] == f"{mover}@2"
            assert sorted(int(s.split("@")[1]) for s in shown(page)) == list(range(1, 9))

            # Now the key's order with its first step moved to third: 7 of 8 keep their order.
            answer = key[1:3] + key[:1] + key[3:]
            for n, item in enumerate(answer, start=1):
                page.locator(f"#position-{QUESTION}-{item}").select_option(str(n))
            assert shown(page) == [f"{item}@{n}" for n, item in enumerate(answer, start=1)]
            page.get_by_role("button", name="Save draft").click()
            page.wait_for_selector("#draft-status .draft-saved")
            page.reload()
            assert shown(page) == [f"{item}@{n}" for n, item in enumerate(answer, start=1)]  # the draft kept it

            page.locator(f"#question-{QUESTION}").screenshot(path=str(ARTEFACTS / "quiz-ordering-question.png"))
            width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], width
            page.get_by_role("button", name="Submit answers").click()
            try:
                page.wait_for_selector('#submission-status[data-status="done"]', timeout=60_000)
            except Exception:
                page.screenshot(path=str(ARTEFACTS / "quiz-ordering-failure.png"), full_page=True)
                (ARTEFACTS / "server.log").write_bytes((data_dir / "server.log").read_bytes())
                raise
            result = page.locator(f'li.test[data-test="{QUESTION}"]')
            assert "test-failed" in (result.get_attribute("class") or "")
            assert result.locator(".points").inner_text() == "3/4"
            assert "7 of 8" in result.inner_text()
            assert page.locator("#final-score").inner_text() == "94.12"
            assert page.locator("li.test-passed").count() == 9
            page.screenshot(path=str(ARTEFACTS / "quiz-ordering.png"), full_page=True)
            assert errors == [], errors
            browser.close()
    finally:
        server.stop(signal.SIGTERM)
        server.log.close()
