"""The guard against broken pages: a real browser, signed in as each role, visits every page reachable from the
menus and submits every form on them, over seeded data (and a visitor, signed out, does the same). It fails on
an unintended 4xx/5xx, a console error or a failed request.

Nothing here names a page beyond the start: links are followed breadth-first (same origin, bounded), so pages
added later are crawled too. Pages of one shape (the 23 challenge pages, one per slug) are visited twice at most,
and a form of one shape is submitted once. Forms are submitted after the crawl, from the deepest page up, so a
form that closes something (finishing a timed session) comes after the forms inside it.
"""

from __future__ import annotations

import re
import shutil
import signal
import tempfile
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from conftest import PASSWORD
from seeding import World, seed_world
from servers import Server, free_port
from test_browser import CHROMIUM, FLAGS, require_browser

MAX_PAGES = 60
# Where a signed-in user starts; "/sittings" (a candidate's assessments) is reached from an invitation's email.
SEEDS = ["/", "/sittings"]
PER_SHAPE = 2
# Not followed: signing out ends the crawl; downloads are fetched, not shown; FastAPI's own pages (/docs, /redoc,
# /openapi.json) and the JSON API belong to the API's tests; /static is checked as each page loads it.
SKIPPED = re.compile(r"^/(logout|docs|redoc|openapi\.json|api/|static/|metrics)")
DOWNLOAD = re.compile(r"\.(json|csv|zip)$")
# Refusals a form means, by (method, path shape, status), and why; anything else 4xx/5xx fails.
INTENDED: dict[tuple[str, str, int], str] = {
    ("POST", "/login", 400): "a visitor's crawl signs in as an account that does not exist; the form says so",
    ("POST", "/authoring", 400): "the crawler fills a new pack's fields with prose, not a FastAPI app and its "
                                 "tests, so validation refuses it and lists the problems in the form",
}
# Chromium reports every 4xx response in the console too; responses are judged above, by the allow-list.
NETWORK_NOISE = "Failed to load resource: the server responded with a status of"

FILL_FORM = """
(form, password) => {
  const plausible = {email: "crawler@example.com", password, number: "1", url: "https://example.com",
                     date: "2031-01-01", "datetime-local": "2031-01-01T09:00", time: "09:00", tel: "5550100",
                     search: "hello"};
  for (const el of form.elements) {
    const type = (el.type || "").toLowerCase();
    if (el.disabled || el.readOnly || ["hidden", "submit", "button", "reset", "file", "image"].includes(type)) continue;
    if (type === "radio" || type === "checkbox") {
      const group = [...form.elements].filter(o => o.type === type && o.name === el.name);
      if (!group.some(o => o.checked)) group[0].checked = true;
      continue;
    }
    if (el.tagName === "SELECT") {
      if (!el.value) { const option = [...el.options].find(o => o.value); if (option) el.value = option.value; }
      continue;
    }
    if (el.value || !el.required) continue;
    let value = plausible[type] || (/slug/i.test(el.name) ? "crawler-check" : "Crawler check");
    if (type === "number" && el.min) value = el.min;
    while (el.minLength > 0 && value.length < el.minLength) value += " more";
    el.value = value;
    el.dispatchEvent(new Event("input", {bubbles: true}));
  }
}
"""
# The submit control, as a user would press it; a form without one (a slider that submits itself) is submitted
# the way its script would.
SUBMIT_FORM = """
(form) => {
  const button = form.querySelector("button:not([type=button]):not([type=reset]), input[type=submit]");
  if (button) button.click(); else form.requestSubmit();
}
"""
FORMS = """
() => [...document.forms].map((f, index) => ({index, method: (f.getAttribute("hx-post") ? "post" : f.method),
  action: f.getAttribute("hx-post") || f.getAttribute("hx-get") || f.action}))
"""


class Crawler:
    def __init__(self, page: Any, base: str, role: str) -> None:
        self.page = page
        self.base = base
        self.role = role
        self.where = "signing in"
        self.problems: list[str] = []
        self.children: dict[str, set[str]] = {}
        self.visited: list[str] = []
        self.submitted: set[tuple[str, str]] = set()
        page.on("console", self.on_console)
        page.on("pageerror", lambda error: self.problem(f"uncaught error: {error}"))
        page.on("requestfailed", self.on_failed)
        page.on("response", self.on_response)
        page.on("dialog", lambda dialog: dialog.accept())  # "Submit your answers?": yes

    def problem(self, text: str) -> None:
        self.problems.append(f"[{self.role}] {self.where}: {text}")

    def on_console(self, message: Any) -> None:
        if message.type == "error" and not message.text.startswith(NETWORK_NOISE):
            self.problem(f"console error: {message.text}")

    def on_failed(self, request: Any) -> None:
        # A poll cut short because the crawler moved on to the next page is the crawler's doing.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.problem(f"request failed: {request.method} {request.url} ({request.failure})")

    def on_response(self, response: Any) -> None:
        if response.status < 400 or not response.url.startswith(self.base):
            return
        key = (response.request.method, self.shape(urlsplit(response.url).path), response.status)
        if key not in INTENDED:
            self.problem(f"{key[0]} {response.url} answered {response.status}")

    def shape(self, path: str) -> str:
        """The path with its variable parts as *: numbers, tokens, and a segment (below the top level, which names
        the sections) with more than three siblings."""
        parts = path.strip("/").split("/")
        out = []
        for i, part in enumerate(parts):
            parent = "/".join(parts[:i])
            variable = part.isdigit() or len(part) > 24 or (i > 0 and len(self.children.get(parent, ())) > 3)
            out.append("*" if variable else part)
        return "/" + "/".join(out)

    def links(self) -> Iterator[str]:
        for href in self.page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            url = urldefrag(href)[0]
            if url.startswith(self.base + "/"):
                path = urlsplit(url).path
                parts = path.strip("/").split("/")
                for i in range(1, len(parts)):
                    self.children.setdefault("/".join(parts[:i]), set()).add(parts[i])
                self.children.setdefault("", set()).add(parts[0])
                yield url

    def settle(self) -> None:
        self.page.wait_for_load_state("load")
        # Bounds a hang only: saving an authored pack grades its reference and wrong cases first.
        self.page.wait_for_function("() => !document.querySelector('.htmx-request')", timeout=180_000)
        self.page.wait_for_timeout(200)  # lets a swap's own requests (a panel's first poll) start, and finish

    def crawl(self, seeds: list[str]) -> None:
        queue = deque(self.base + s for s in seeds)
        seen = set(queue)
        per_shape: dict[str, int] = {}
        pending: list[tuple[int, int, str, int, tuple[str, str]]] = []
        while queue and len(self.visited) < MAX_PAGES:
            url = queue.popleft()
            path = urlsplit(url).path
            shape = self.shape(path)
            if per_shape.get(shape, 0) >= PER_SHAPE:
                continue
            per_shape[shape] = per_shape.get(shape, 0) + 1
            if DOWNLOAD.search(path):
                self.where = f"download {url}"
                response = self.page.request.get(url)
                if response.status >= 400:
                    self.problem(f"GET {url} answered {response.status}")
                continue
            self.where = f"page {url}"
            self.page.goto(url)
            self.settle()
            self.visited.append(path)
            for link in self.links():
                if link not in seen and not SKIPPED.match(urlsplit(link).path):
                    seen.add(link)
                    queue.append(link)
            for form in self.page.evaluate(FORMS):
                target = urlsplit(form["action"]).path or path
                key = (form["method"].upper(), self.shape(target))
                if SKIPPED.match(target) or key in self.submitted:
                    continue
                self.submitted.add(key)
                pending.append((-path.count("/"), len(pending), url, form["index"], key))
        for _, _, url, index, key in sorted(pending):
            self.submit(url, index, key)

    def wait_for_grading(self) -> None:
        """Like a user, wait for the last submission's result before the next: one may be in flight per user, and
        more answers 429 by design (tests/web/test_queue_limits.py)."""
        for _ in range(600):
            response = self.page.request.get(f"{self.base}/api/v1/submissions?limit=5")
            if response.status != 200 or all(s["status"] == "done" for s in response.json()):
                return
            self.page.wait_for_timeout(200)

    def submit(self, url: str, index: int, key: tuple[str, str]) -> None:
        self.wait_for_grading()
        self.where = f"form {key[0]} {key[1]} on {url}"
        self.page.goto(url)  # afresh: the last form's swap may have changed this page
        self.settle()
        self.page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        if self.page.locator("form").count() <= index:
            return  # the last form took this one away (a revoked invitation has no Revoke button)
        form = self.page.locator("form").nth(index)
        form.evaluate(FILL_FORM, PASSWORD)
        form.evaluate(SUBMIT_FORM)
        self.settle()
        # A live panel polls until its grading ends; a user reads the result before the next form.
        self.page.wait_for_function(
            "() => !document.querySelector('[data-status=queued], [data-status=running]')", timeout=180_000)


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[str, World]]:
    data_dir = Path(tempfile.mkdtemp(prefix="proctor-crawl-"))
    data_dir.chmod(0o755)
    server = Server(data_dir, free_port())
    # The seeding and one role's crawl submit more than 10 times a minute; that limit has its own tests.
    server.env["PROCTOR_SUBMISSIONS_PER_MINUTE"] = "100"
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        yield base, seed_world(base, data_dir)
    finally:
        server.stop(signal.SIGTERM)
        server.log.close()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_playwright = require_browser()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


@pytest.mark.slow
@pytest.mark.parametrize("role", ["visitor", "candidate", "interviewer", "admin"])
def test_every_page_and_form_reachable_from_the_menus_works(site: tuple[str, World], browser: Any, bwrap: Any,
                                                            role: str) -> None:
    base, world = site
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    crawler = Crawler(page, base, role)
    if role != "visitor":  # a visitor is not signed in (until the crawl submits the sign-up form)
        sign_in(page, base, getattr(world, role))
    crawler.crawl(SEEDS)
    for icon in ("/favicon.ico", page.locator("link[rel=icon]").get_attribute("href")):
        response = page.request.get(base + str(icon))
        assert response.status == 200 and response.headers["content-type"].startswith("image/"), icon
    context.close()
    assert crawler.problems == [], "\n".join(crawler.problems)
    # It did crawl: past the menus, and through forms of its own finding (the review form's, for staff).
    assert len(crawler.visited) >= (3 if role == "visitor" else 8), crawler.visited
    if role == "visitor":
        assert {("POST", "/login"), ("POST", "/signup")} <= crawler.submitted, crawler.submitted
    else:
        assert ("POST", "/account/tokens") in crawler.submitted, crawler.submitted
    if role in ("interviewer", "admin"):
        assert any(action.endswith("/review") for _, action in crawler.submitted), crawler.submitted
