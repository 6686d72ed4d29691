"""A real browser through the interviewer's controls: reorder, copy link, invite twice, results on a phone,
the similarity link, the candidate's pastes and tab switches on the report, the catalog's search."""

from __future__ import annotations

import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD
from servers import Server, free_port
from test_browser import CHROMIUM, FLAGS, require_browser

from proctor.settings import PROJECT_ROOT
from proctor.store import Store, users

ARTEFACTS = PROJECT_ROOT / "tmp" / "artefacts"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}
# A paste as the browser delivers it from the clipboard: the editor inserts the text, activity.js reports it.
PASTE = """(text) => {
  const data = new DataTransfer();
  data.setData("text/plain", text);
  document.querySelector(".cm-content").dispatchEvent(
    new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
}"""


@pytest.fixture(scope="module")
def browser_server() -> Iterator[tuple[Any, str, Path]]:
    sync_playwright = require_browser()
    data_dir = Path(tempfile.mkdtemp(prefix="proctor-web-"))
    data_dir.chmod(0o755)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    server = Server(data_dir, free_port())
    server.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            yield browser, f"http://127.0.0.1:{server.port}", data_dir
            browser.close()
    finally:
        server.stop(signal.SIGTERM)
        server.log.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def sign_up(browser: Any, base: str, email: str, *, role: str | None = None, data_dir: Path | None = None,
            **context: Any) -> Any:
    page = browser.new_context(**({"viewport": {"width": 1280, "height": 900}} | context)).new_page()
    page.goto(f"{base}/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{base}/")
    if role:
        assert data_dir is not None
        store = Store.open(data_dir / "proctor.db")
        users.set_role(store, user_id=users.get_by_email(store, email=email).id, role=role)
        store.close()
    return page


def new_assessment(page: Any, base: str, title: str, challenges: list[str]) -> str:
    page.goto(f"{base}/assessments/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Introduction for candidates").fill("Read **every** prompt.")
    for name in challenges:
        page.get_by_label(name).check()
    page.get_by_role("button", name="Save assessment").click()
    page.wait_for_selector("#invite-form")
    return str(page.url)


def invite(page: Any, email: str) -> str:
    page.get_by_label("Candidate's email").fill(email)
    page.get_by_role("button", name="Create invitation link").click()
    page.wait_for_selector("#new-link")
    link = str(page.locator("#new-link").input_value())
    page.evaluate("document.getElementById('new-link').id = 'old-link'")  # the next one is a new element
    return link


def take(browser: Any, base: str, link: str, email: str) -> Any:
    cand = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    cand.goto(link)
    cand.get_by_role("link", name="Create an account").click()
    cand.get_by_label("Password").fill(PASSWORD)
    cand.get_by_role("button", name="Create account").click()
    cand.get_by_role("button", name="Start the assessment").click()
    cand.wait_for_selector("#countdown[data-remaining]")
    return cand


def titles(page: Any) -> list[str]:
    return [str(x) for x in page.locator("#assessment-challenges li").evaluate_all(
        "items => items.map(li => li.dataset.challenge)")]


def test_reorder_intro_copy_link_and_a_blank_email(browser_server: tuple[Any, str, Path]) -> None:
    browser, base, data_dir = browser_server
    ivy = sign_up(browser, base, "ivy@example.com", role="interviewer", data_dir=data_dir)
    ivy.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    new_assessment(ivy, base, "Ordering", ["Hello, route", "Request bodies with Pydantic", "Versioned routers"])
    assert ivy.locator("#intro-preview strong").inner_text() == "every"
    assert titles(ivy) == ["hello-route", "request-body", "routers"]

    ivy.get_by_role("button", name="Move down Hello, route").click()
    ivy.wait_for_function(
        "() => document.querySelector('#assessment-challenges li').dataset.challenge !== 'hello-route'")
    assert titles(ivy) == ["request-body", "hello-route", "routers"]
    # By keyboard: the moved item's button keeps the focus, so Enter moves it again. (Once htmx has settled the
    # new list: within those 20 ms its forms are not yet enhanced, so a key faster than any hand posts a page.)
    ivy.wait_for_function("() => !document.querySelector('.htmx-settling, .htmx-swapping, .htmx-request')")
    ivy.get_by_role("button", name="Move down Hello, route").focus()
    ivy.keyboard.press("Enter")
    ivy.wait_for_function("() => document.querySelector('#assessment-challenges li:last-child').dataset.challenge"
                          " === 'hello-route'")
    assert titles(ivy) == ["request-body", "routers", "hello-route"]
    # Focus stays, even at the end (htmx puts it back as the swap settles).
    ivy.wait_for_function("() => document.activeElement.id === 'move-down-hello-route'")
    ivy.get_by_role("button", name="Move up Versioned routers").click()
    ivy.wait_for_function("() => document.querySelector('#assessment-challenges li').dataset.challenge === 'routers'")
    ivy.reload()
    assert titles(ivy) == ["routers", "request-body", "hello-route"]  # stored

    ivy.get_by_label("Candidate's email").fill("first@example.com")
    ivy.get_by_role("button", name="Create invitation link").click()
    ivy.wait_for_selector("#new-link")
    assert ivy.get_by_label("Candidate's email").input_value() == ""  # ready for the next candidate
    ivy.get_by_role("button", name="Copy link").click()
    ivy.wait_for_function("() => document.querySelector('[data-copy-from]').textContent.includes('Copied')")
    assert ivy.evaluate("navigator.clipboard.readText()") == ivy.locator("#new-link").input_value()
    ivy.screenshot(path=str(ARTEFACTS / "interviewer-assessment.png"), full_page=True)


def test_results_on_a_phone_and_the_similarity_link(browser_server: tuple[Any, str, Path]) -> None:
    browser, base, data_dir = browser_server
    ivy = sign_up(browser, base, "ivy2@example.com", role="interviewer", data_dir=data_dir)
    page_url = new_assessment(ivy, base, "Phone", ["Hello, route", "Request bodies with Pydantic", "Versioned routers",
                                                    "Middleware: request ids and timing on every response",
                                                    "Quiz: testing FastAPI applications"])
    links = [invite(ivy, f"candidate-with-a-long-address-{n}@example.com") for n in (1, 2)]
    for n, link in enumerate(links, 1):
        cand = take(browser, base, link, f"candidate-with-a-long-address-{n}@example.com")
        cand.get_by_role("link", name="Hello, route").click()
        cand.wait_for_selector(".cm-editor .cm-content")
        cand.locator(".cm-content").first.click()
        cand.keyboard.press("Control+A")
        cand.evaluate(PASTE, 'from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get("/")\n'
                             'def read_root():\n    return {"message": "Hello World"}\n')
        cand.wait_for_selector("#draft-status .draft-saved")
        # A submitted quiz fills the results' per-question table, a wide one with text for screen readers.
        cand.goto(cand.url.rsplit("/challenges/", 1)[0])
        cand.get_by_role("link", name="Quiz: testing FastAPI applications").click()
        cand.locator("fieldset").evaluate_all("sets => sets.forEach(f => f.querySelector('input').checked = true)")
        cand.on("dialog", lambda d: d.accept())
        cand.get_by_role("button", name="Submit answers").click()
        cand.wait_for_selector("text=Submitted: your answers are locked.")
        cand.context.close()

    phone = browser.new_context(**PHONE)
    phone.add_cookies(ivy.context.cookies())
    results = phone.new_page()
    for _ in range(60):  # until the workers have graded both quizzes
        results.goto(page_url + "/results")
        if results.locator("table.quiz-breakdown td.test-passed, table.quiz-breakdown td.test-failed").count() >= 16:
            break
        results.wait_for_timeout(500)
    widths = results.evaluate("[document.documentElement.scrollWidth, window.innerWidth, "
                              "document.querySelector('#results-table table').scrollWidth]")
    assert widths[1] == 390 and widths[0] <= 390, widths  # the page stays at the device width...
    assert widths[2] > 390, widths  # ...while the table scrolls inside its own box
    results.screenshot(path=str(ARTEFACTS / "interviewer-results-phone.png"), full_page=True)

    results.get_by_role("link", name="closest").first.click()
    results.wait_for_selector("#similarity-score")
    assert "%" in results.locator("#similarity-score").inner_text()
    assert results.locator("[data-shared=true]").count() >= 1
    results.go_back()
    results.get_by_role("button", name="Highlight shared code").click()  # any two, from the form under the table
    results.wait_for_selector("#similarity-score")
    assert "/similarity?" in results.url and results.locator("ul.legend li").count() == 2


def test_pastes_and_tab_switches_on_the_report(browser_server: tuple[Any, str, Path]) -> None:
    browser, base, data_dir = browser_server
    ivy = sign_up(browser, base, "ivy3@example.com", role="interviewer", data_dir=data_dir)
    page_url = new_assessment(ivy, base, "Effort", ["Hello, route"])
    link = invite(ivy, "effort@example.com")
    cand = take(browser, base, link, "effort@example.com")
    cand.get_by_role("link", name="Hello, route").click()
    cand.wait_for_selector(".cm-editor .cm-content")
    cand.locator(".cm-content").first.click()
    with cand.expect_response(lambda r: r.url.endswith("/activity")) as pasted:
        cand.evaluate(PASTE, "x = 1\n" * 20)  # 120 characters at once
    assert pasted.value.status == 204
    assert "x = 1" in cand.locator(".cm-content").first.inner_text()  # the editor still pasted it
    # Headless Chromium never hides a page, so the test plays the browser's part: hidden, then shown again.
    for hidden in ("true", "false"):
        with cand.expect_response(lambda r: r.url.endswith("/activity")) as switched:
            cand.evaluate(f"Object.defineProperty(document, 'hidden', {{value: {hidden}, configurable: true}});"
                          "document.dispatchEvent(new Event('visibilitychange'))")
        assert switched.value.status == 204
    ivy.goto(page_url + "/results")
    ivy.get_by_role("link", name="effort@example.com").click()
    assert ivy.locator("dd.pastes").inner_text().startswith("1 (120 characters)")
    assert "pasted 120 characters" in ivy.locator("ol.timeline").inner_text()
    assert ivy.locator("dd.times-away").inner_text().startswith("1 time")
    timeline = ivy.locator("ol.timeline").inner_text()
    assert "left the tab" in timeline and "came back to the tab" in timeline
    ivy.screenshot(path=str(ARTEFACTS / "interviewer-report-effort.png"), full_page=True)


def test_catalog_grid_and_search(browser_server: tuple[Any, str, Path]) -> None:
    browser, base, _ = browser_server
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{base}/")
    lefts = page.locator("li.card").evaluate_all(
        "cards => cards.map(c => Math.round(c.getBoundingClientRect().left))")
    assert len(set(lefts)) >= 3, lefts  # cards side by side in three or more columns at 1280 px
    page.get_by_label("Search").fill("websocket")  # typing filters, without a button
    page.wait_for_function("() => document.querySelectorAll('li.card').length === 1")
    assert page.locator("li.card").get_attribute("data-slug") == "websocket-chat"
    assert "q=websocket" in page.url  # kept in the URL, so a link or a reload shows the same
    page.get_by_label("Search").fill("no such challenge")
    page.wait_for_selector("#catalog-results .empty")
    page.screenshot(path=str(ARTEFACTS / "catalog-search.png"), full_page=True)
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(f"{base}/?q=route")
    assert phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]") == [390, 390]


def test_authoring_editor_and_slug_message(browser_server: tuple[Any, str, Path]) -> None:
    browser, base, data_dir = browser_server
    ivy = sign_up(browser, base, "ivy4@example.com", role="interviewer", data_dir=data_dir)
    ivy.goto(f"{base}/authoring/new")
    ivy.get_by_label("Slug").fill("Bad Slug")
    ivy.wait_for_selector("#slug-message.form-error")
    assert "lower-case letters" in ivy.locator("#slug-message").inner_text()
    ivy.get_by_label("Slug").fill("x" * 51)
    ivy.wait_for_function("() => document.getElementById('slug-message').textContent.includes('1 to 50')")
    ivy.get_by_label("Slug").fill("greeting-api")  # in her own namespace, so free whoever else has one
    ivy.wait_for_function("() => document.getElementById('slug-message').textContent.includes('is free')")
    assert "saved as “greeting-api-u" in ivy.locator("#slug-message").inner_text()

    ivy.wait_for_selector("#pack-form .cm-editor")
    assert ivy.locator("#pack-form .cm-editor").count() == 7  # starter, tests, examples, reference, 3 wrong
    ivy.get_by_text("Reference solution").click()  # the label focuses the editor
    ivy.keyboard.type("def answer():")
    ivy.keyboard.press("Enter")
    ivy.keyboard.press("Shift+Tab")  # back to column 0, then Tab indents (it does not leave the field)
    ivy.keyboard.press("Tab")
    ivy.keyboard.type("return 42")
    assert ivy.evaluate("document.getElementById('reference').value").startswith("def answer():\n")
    line = ivy.evaluate("document.getElementById('reference').value").split("\n")[1]
    assert line.strip() == "return 42" and line.startswith(" ")
    assert ivy.evaluate("document.activeElement.closest('.cm-editor') !== null")
    ivy.get_by_label("Title").fill("Greeting")
    ivy.get_by_label("Slug").fill("Bad Slug")  # no browser pattern: the server says what is wrong...
    ivy.get_by_role("button", name="Save and validate").click()
    ivy.wait_for_selector("#pack-problems")
    assert "lower-case letters" in ivy.locator("#pack-problems").inner_text()
    ivy.wait_for_selector("#pack-form .cm-editor")
    assert "return 42" in ivy.locator("#pack-form .cm-editor").nth(3).inner_text()  # ...and keeps the code
