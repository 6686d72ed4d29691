"""A real browser through issue 12's candidate fixes: reading a challenge signed out and coming back after
signing up, filters after Back, the editor, the live panel and header, the diff, quiz marks, and a session page
that follows its grading. One server for the module; each test signs up its own user."""

from __future__ import annotations

import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD, REFERENCE
from servers import Server, free_port
from test_browser import CHROMIUM, FLAGS, require_browser

from proctor.settings import PROJECT_ROOT
from proctor.store import Store, users

pytestmark = pytest.mark.slow
ARTEFACTS = PROJECT_ROOT / "tests" / "artefacts"

# Every state of the live panel (status and how many test rows), so a test checks what the user saw.
WATCH_PANEL = """
window.__seen = [];
new MutationObserver(() => {
  const panel = document.getElementById("submission-status");
  if (!panel) return;
  const state = panel.dataset.status + ":" + panel.querySelectorAll("li.test").length;
  if (window.__seen[window.__seen.length - 1] !== state) window.__seen.push(state);
}).observe(document.getElementById("result-panel"), {childList: true, subtree: true});
"""


@pytest.fixture(scope="module")
def served(bwrap: Any) -> Iterator[tuple[str, Path]]:
    data_dir = Path(tempfile.mkdtemp(prefix="proctor-browser-"))
    data_dir.chmod(0o755)  # the sandbox user must reach the job files
    server = Server(data_dir, free_port())
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}", data_dir
    finally:
        server.stop(signal.SIGTERM)
        server.log.close()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def browser(served: tuple[str, Path]) -> Iterator[Any]:
    sync_playwright = require_browser()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


def new_page(browser: Any, width: int = 1280, height: int = 900) -> Any:
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    errors: list[str] = []
    # A failed load is checked by its response, which names the URL; /favicon.ico is another fix's (issue 12.4).
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.console_errors = errors
    return page


def sign_up(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{base}/")


def replace_code(page: Any, code: str) -> None:
    page.wait_for_selector(".cm-editor .cm-content")
    page.locator(".cm-content").first.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(code)  # one insertion: typed key by key, auto-indent would indent twice


def submit_and_wait(page: Any, button: str = "Submit") -> None:
    """Press a run button and wait for that run's result (a new run always comes back queued first)."""
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_selector('#submission-status:not([data-status="done"])')
    page.wait_for_selector('#submission-status[data-status="done"]', timeout=60_000)


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTEFACTS / name), full_page=True)


def test_a_visitor_reads_a_challenge_then_signs_up_and_lands_back_on_it(served: tuple[str, Path],
                                                                       browser: Any) -> None:
    base, _ = served
    page = new_page(browser)
    page.goto(f"{base}/challenges/hello-route")
    assert page.locator("article.prompt table").count() == 1  # the prompt, rendered
    assert page.locator(".cm-editor").count() == 0 and page.locator("textarea").count() == 0
    assert "FastAPI()" in page.locator("#workspace pre.code").first.inner_text()  # the starter, read-only
    assert page.locator("h1").inner_text() == "Hello, route"
    assert page.get_by_role("heading", name="Hello, route").count() == 1  # the title once, not twice
    shot(page, "candidate-visitor-challenge.png")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing wider than the screen
    for path in ("/challenges/hello-route", "/quizzes/quiz-http-errors"):
        page.goto(base + path)
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], (path, width)
    page.goto(f"{base}/challenges/hello-route")

    page.get_by_role("link", name="Sign in to write and submit").click()
    page.wait_for_url(f"{base}/login?next=/challenges/hello-route")
    page.locator("#login-form").get_by_role("link", name="Sign up").click()
    page.wait_for_url(f"{base}/signup?next=/challenges/hello-route")
    page.get_by_label("Email").fill("visitor@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{base}/challenges/hello-route")
    page.wait_for_selector(".cm-editor .cm-content")  # now it is editable
    assert page.console_errors == []


def test_the_catalog_filters_match_the_list_after_back(served: tuple[str, Path], browser: Any) -> None:
    base, _ = served
    page = new_page(browser)
    page.goto(f"{base}/")
    page.get_by_label("Topic").select_option("7")
    page.wait_for_url(f"{base}/?q=&topic=7&difficulty=")
    page.get_by_label("Difficulty").select_option("hard")
    page.wait_for_url(f"{base}/?q=&topic=7&difficulty=hard")
    page.wait_for_selector("#catalog-results .empty")  # §7 has no hard challenge
    page.go_back()
    page.wait_for_url(f"{base}/?q=&topic=7&difficulty=")
    page.wait_for_selector('li[data-slug="path-and-query"]')
    assert page.get_by_label("Topic").input_value() == "7"
    assert page.get_by_label("Difficulty").input_value() == ""
    page.go_back()
    page.wait_for_url(f"{base}/")
    page.wait_for_selector('li[data-slug="hello-route"]')
    assert page.get_by_label("Topic").input_value() == ""
    assert page.console_errors == []


def test_the_editor_indents_python_by_four_and_shows_twenty_lines(served: tuple[str, Path], browser: Any) -> None:
    base, _ = served
    page = new_page(browser, 1280, 700)
    sign_up(page, base, "editor@example.com")
    page.goto(f"{base}/challenges/hello-route")
    page.wait_for_selector(".cm-editor .cm-content")
    page.locator(".cm-content").first.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type("def f():\nreturn 1")
    lines = page.locator(".cm-line").all_inner_texts()
    assert lines[1] == "    return 1", lines  # Enter after a colon indents by four spaces
    page.keyboard.press("Enter")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert page.locator(".cm-line").all_inner_texts()[2] == "    ", page.locator(".cm-line").all_inner_texts()

    heights = page.evaluate("""[document.querySelector('.cm-proctor .cm-scroller').clientHeight,
                                document.querySelector('.cm-line').getBoundingClientRect().height]""")
    assert heights[0] >= 20 * heights[1], heights

    # Submitting brings the result panel into view, from wherever the page was scrolled.
    page.evaluate("window.scrollTo(0, 0)")
    assert page.evaluate("document.getElementById('result-panel').getBoundingClientRect().top") > 700
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_selector("#submission-status")
    page.wait_for_function("""() => { const box = document.getElementById('submission-status')
                                .getBoundingClientRect(); return box.top >= 0 && box.top < window.innerHeight; }""")
    assert page.console_errors == []


def test_a_short_screen_gets_an_editor_as_tall_as_the_screen(served: tuple[str, Path], browser: Any) -> None:
    base, _ = served
    page = new_page(browser, 390, 360)
    sign_up(page, base, "short@example.com")
    page.goto(f"{base}/challenges/hello-route")
    page.wait_for_selector(".cm-editor .cm-content")
    size = page.evaluate("[document.querySelector('.cm-proctor').getBoundingClientRect().height, innerHeight]")
    assert size[0] >= size[1] - 2, size  # not twenty lines here: the whole viewport


def test_the_live_panel_fills_in_and_the_header_follows_the_score(served: tuple[str, Path], browser: Any) -> None:
    base, _ = served
    page = new_page(browser)
    sign_up(page, base, "live@example.com")
    page.goto(f"{base}/challenges/middleware")
    starter = (PROJECT_ROOT / "challenges/middleware/starter/app.py").read_text()
    replace_code(page, starter)
    page.evaluate(WATCH_PANEL)
    submit_and_wait(page)
    first = page.locator("#final-score").inner_text()
    assert float(first) < 100
    page.wait_for_function(f"() => document.getElementById('best-score').textContent === '{first}'")
    assert "Solved" not in page.locator("#solved-note").inner_text()

    # The reference, logging a line as it starts: a perfect run with something in its log.
    replace_code(page, 'print("booting my app", flush=True)\n'
                 + (PROJECT_ROOT / "graders/middleware/reference/app.py").read_text())
    page.evaluate(WATCH_PANEL)
    submit_and_wait(page)
    assert page.locator("#final-score").inner_text() == "100"
    # The header follows without a reload: best score, "Solved", and where to go next.
    page.wait_for_function("() => document.getElementById('best-score').textContent === '100'")
    assert "Solved" in page.locator("#solved-note").inner_text()
    rows = page.locator("#submission-status li.test")
    total = rows.count()
    seen = page.evaluate("window.__seen")
    counts = [int(state.split(":")[1]) for state in seen]
    assert counts == sorted(counts) and counts[-1] == total, seen  # the list only ever fills in
    # Rows the last poll had not shown come in one after another, not all at once.
    delays = page.evaluate("""Array.from(document.querySelectorAll('#submission-status li.arrive'))
                               .map(li => parseFloat(getComputedStyle(li).animationDelay))""")
    assert delays == sorted(delays) and (len(delays) < 2 or delays[-1] > delays[0]), delays
    page.wait_for_function("""() => Array.from(document.querySelectorAll('#submission-status li.test'))
                               .every(li => getComputedStyle(li).opacity === '1')""")
    # The app's log is there, folded away because every test passed.
    log = page.locator("#submission-status details.app-log")
    assert log.count() == 1 and log.get_attribute("open") is None
    assert log.locator("summary").inner_text().startswith("Your app's log")
    log.locator("summary").click()
    assert "booting my app" in log.locator("pre.output").inner_text()
    shot(page, "candidate-solved.png")

    page.get_by_role("link", name=page.locator("#next-challenge").inner_text()).click()
    page.wait_for_url(f"{base}/challenges/async-endpoints")
    assert page.console_errors == []


def test_a_submissions_diff_has_no_blank_lines(served: tuple[str, Path], browser: Any) -> None:
    base, _ = served
    page = new_page(browser)
    sign_up(page, base, "diff@example.com")
    page.goto(f"{base}/challenges/hello-route")
    for code in ("a = 1\nb = 2\nc = 3\n", "a = 1\nb = 20\nc = 3\nd = 4\n"):
        replace_code(page, code)
        submit_and_wait(page, "Run examples")
    page.locator("#submission-status h2 a").click()
    page.wait_for_selector("pre.diff")
    gaps = page.evaluate("""(() => { const spans = Array.from(document.querySelectorAll('pre.diff span'));
        return spans.slice(1).map((s, i) => Math.round(s.getBoundingClientRect().top
                                                       - spans[i].getBoundingClientRect().bottom)); })()""")
    assert gaps and set(gaps) == {0}, gaps  # each line right under the last


def test_a_practice_quiz_marks_each_question_in_place(served: tuple[str, Path], browser: Any) -> None:
    base, _ = served
    page = new_page(browser)
    sign_up(page, base, "quiz@example.com")
    page.goto(f"{base}/quizzes/quiz-http-errors")
    for fieldset in page.locator("fieldset.question").all():
        fieldset.locator("input").first.check()
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_selector('#submission-status[data-status="done"]', timeout=30_000)
    page.wait_for_selector("fieldset.question .verdict:not([hidden])")
    for fieldset in page.locator("fieldset.question").all():
        verdict = fieldset.locator(".verdict")
        assert verdict.is_visible()
        assert verdict.locator(".mark").inner_text() in ("✔", "✘")
        assert verdict.locator("a.guide-link").count() >= 1
    assert page.locator(".verdict .explanation").count() >= 1
    assert "**" not in page.locator("#submission-status").inner_text()
    shot(page, "candidate-quiz-marked.png")
    assert page.console_errors == []


def test_the_session_page_follows_its_grading_after_the_end(served: tuple[str, Path], browser: Any) -> None:
    base, data_dir = served
    ivy = new_page(browser)
    sign_up(ivy, base, "ivy@example.com")
    store = Store.open(data_dir / "proctor.db")
    users.set_role(store, user_id=users.get_by_email(store, email="ivy@example.com").id, role="interviewer")
    store.close()
    ivy.goto(f"{base}/assessments/new")
    ivy.get_by_label("Title").fill("Backend screen")
    ivy.get_by_label("Hello, route").check()
    ivy.get_by_label("Time limit (minutes)").fill("30")
    ivy.get_by_label("Candidates see their scores").select_option("after")
    ivy.get_by_role("button", name="Save assessment").click()
    ivy.wait_for_selector("#invite-form")
    ivy.get_by_label("Candidate's email").fill("sitter@example.com")
    ivy.get_by_role("button", name="Create invitation link").click()
    link = ivy.locator("#new-link").input_value()

    cand = new_page(browser)
    cand.goto(link)
    cand.locator(".site-header").get_by_role("link", name="Sign up").click()  # the header's link keeps the way
    cand.get_by_label("Email").fill("sitter@example.com")
    cand.get_by_label("Password").fill(PASSWORD)
    cand.get_by_role("button", name="Create account").click()
    cand.wait_for_url(link)
    cand.get_by_role("button", name="Start the assessment").click()
    cand.get_by_role("link", name="Hello, route").click()
    # Slow to start (2 s), so the session page is sure to see it still grading.
    replace_code(cand, "import time\ntime.sleep(2)\n" + REFERENCE)
    cand.wait_for_selector("#draft-status .draft-saved")
    cand.get_by_role("link", name="All challenges in this assessment").click()
    cand.once("dialog", lambda dialog: dialog.accept())
    cand.get_by_role("button", name="Finish the assessment").click()
    cand.wait_for_selector("td.session-score")
    cand.evaluate("window.__notReloaded = true")
    assert cand.locator("td.session-score").inner_text() == "grading…"
    cand.wait_for_function("() => document.querySelector('td.session-score').textContent === '100'", timeout=60_000)
    assert cand.evaluate("window.__notReloaded") is True  # it updated by itself
    submitted = cand.locator('section.submitted[data-challenge="hello-route"]')
    assert submitted.locator("li.test-passed").count() >= 1
    submitted.locator("summary").click()
    assert "time.sleep(2)" in submitted.locator("pre.code").inner_text()
    assert cand.locator("#session-results").get_attribute("hx-trigger") is None  # polling stopped
    shot(cand, "candidate-session-graded.png")
    assert cand.console_errors == [] and ivy.console_errors == []
