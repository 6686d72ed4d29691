"""The API's pages in a real browser: tokens on /account, and /docs served with no network beyond this machine."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from conftest import PASSWORD
from servers import Server, free_port
from test_browser import ARTEFACTS, CHROMIUM, FLAGS, require_browser

pytestmark = pytest.mark.slow


class Watched:
    """A page whose console errors and failed requests are kept, so a test can insist there were none."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        # ERR_ABORTED is a load the test cut short by moving on (the icon of a page it left), not a failure.
        page.on("requestfailed", lambda r: "ERR_ABORTED" not in (r.failure or "")
                and self.problems.append(f"failed: {r.url} {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and self.problems.append(f"{r.status}: {r.url}"))


@pytest.fixture
def server(data_dir: Path) -> Iterator[Server]:
    running = Server(data_dir, free_port())
    running.start()
    yield running
    running.stop(signal.SIGTERM)
    running.log.close()


@pytest.fixture
def browser_page(server: Server) -> Iterator[Watched]:
    sync_playwright = require_browser()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})

        # Nothing may come from another host: /docs must work on a machine without internet access.
        def only_local(route: Any) -> None:
            if urlsplit(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                route.abort()

        context.route("**/*", only_local)
        yield Watched(context.new_page())
        browser.close()


def sign_up(watched: Watched, base: str, email: str) -> None:
    page = watched.page
    page.goto(f"{base}/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{base}/")


def create_token(watched: Watched, base: str, name: str, expires: str) -> str:
    page = watched.page
    page.goto(f"{base}/account")
    page.get_by_label("Token name").fill(name)
    page.get_by_label("Expires").select_option(label=expires)
    page.get_by_role("button", name="Create a token").click()
    return page.locator("#new-token").inner_text()


def test_create_see_and_revoke_a_token(server: Server, browser_page: Watched) -> None:
    base = f"http://127.0.0.1:{server.port}"
    page = browser_page.page
    sign_up(browser_page, base, "tokens@example.com")
    secret = create_token(browser_page, base, "laptop", "in 7 days")
    row = page.locator("#token-list li", has_text="laptop")
    assert row.count() == 1
    assert row.locator(".token-expires").inner_text().endswith("UTC")  # expires in a week, not never
    auth = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(f"{base}/api/v1/challenges", headers=auth).status_code == 200
    page.set_viewport_size({"width": 390, "height": 844})  # on a phone the list fits the screen
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(ARTEFACTS / "browser-account-tokens-390.png"), full_page=True)

    page.get_by_role("button", name="Revoke laptop").click()
    page.wait_for_selector("#token-list", state="detached")
    assert page.get_by_text("No tokens yet.").is_visible()
    page.screenshot(path=str(ARTEFACTS / "browser-account-tokens.png"), full_page=True)
    assert httpx.get(f"{base}/api/v1/challenges", headers=auth).status_code == 401
    page.reload()  # revoked for good, not just hidden
    assert page.locator("#token-list").count() == 0
    assert browser_page.problems == []


def test_docs_work_offline_with_a_token(server: Server, browser_page: Watched) -> None:
    base = f"http://127.0.0.1:{server.port}"
    sign_up(browser_page, base, "docs@example.com")
    secret = create_token(browser_page, base, "docs", "never")
    page = browser_page.page
    page.context.clear_cookies()  # from here on only the token authenticates

    response = page.goto(f"{base}/docs")
    assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    operation = page.locator("#operations-challenges-list_challenges_api_v1_challenges_get")
    operation.wait_for()
    assert page.locator(".opblock").count() >= 7  # every operation of /api/v1 is listed
    operation.locator(".opblock-summary-control").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip().startswith("401")  # without a token
    # That 401 was intended: its response, and Chromium's console line about it.
    for intended in (f"401: {base}/api/v1/challenges",
                     "console: Failed to load resource: the server responded with a status of 401 (Unauthorized)"):
        browser_page.problems.remove(intended)

    page.get_by_role("button", name="Authorize").first.click()
    page.locator("#auth-bearer-value").fill(secret)
    page.get_by_role("button", name="Apply credentials").click()
    page.locator(".auth-btn-wrapper").get_by_role("button", name="Close").click()
    operation.get_by_role("button", name="Execute").click()
    page.wait_for_function("""() => {
      const cell = document.querySelector('#operations-challenges-list_challenges_api_v1_challenges_get '
                                          + '.live-responses-table .response .response-col_status');
      return cell && cell.textContent.trim().startsWith('200');
    }""")
    assert "hello-route" in operation.locator(".live-responses-table .response .response-col_description").inner_text()
    page.screenshot(path=str(ARTEFACTS / "browser-api-docs.png"), full_page=True)
    assert browser_page.problems == []
