"""A real browser on a kind = "pytest" challenge: write a suite in the editor, run it against the correct app,
submit it, and see which mutants it killed and, in words, which survived."""

from __future__ import annotations

from typing import Any

import pytest
from test_browser_candidate import ARTEFACTS, browser, new_page, replace_code, served, sign_up, submit_and_wait  # noqa: F401

from proctor.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow

REFERENCE_SUITE = (PROJECT_ROOT / "graders/write-the-tests/reference/test_app.py").read_text()
# The reference suite without its min_stock test: one mutant should survive.
PARTIAL_SUITE = REFERENCE_SUITE.split("\n\ndef test_min_stock_includes_items_at_the_bound")[0] + "\n"


def test_a_candidate_submits_a_suite_and_sees_mutants_killed_and_survived(served: tuple[str, Any],  # noqa: F811
                                                                         browser: Any) -> None:  # noqa: F811
    base, _ = served
    page = new_page(browser)
    sign_up(page, base, "tester@example.com")
    page.goto(f"{base}/challenges/write-the-tests")
    assert page.locator("#custom-request").count() == 0  # no app of the candidate's to send requests to
    replace_code(page, PARTIAL_SUITE)

    submit_and_wait(page, "Run against the correct app")
    assert page.locator("#submission-status h2").inner_text().startswith("Examples run")
    assert page.locator("li.test-passed").count() == 7 and page.locator("li.test-failed").count() == 0

    submit_and_wait(page, "Submit")
    try:
        assert page.locator("#final-score").inner_text() == "88.89"
        assert page.locator("li.test-passed").count() == 8
        survivor = page.locator('li.test-failed[data-test="min-stock-off-by-one"]')
        assert "leaves out items whose stock is exactly N" in survivor.inner_text()
        assert "Survived" in survivor.locator("pre.message").inner_text()
        killed = page.locator('li.test-passed[data-test="404-without-x-error"]')
        assert "without the X-Error header" in killed.inner_text()
        assert page.locator("details.app-log summary").inner_text().startswith("Your tests' output")
        assert "Ran your tests against 2 × the correct app and 9 mutants" in page.locator(
            "#submission-status > pre.message").inner_text()
    finally:
        page.screenshot(path=str(ARTEFACTS / "browser-write-the-tests.png"), full_page=True)
    assert page.console_errors == []
