"""A real browser types a custom request, clicks Send, and sees the answer of the app in its editor."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD
from servers import Server, free_port
from test_browser import ARTEFACTS, CHROMIUM, FLAGS, require_browser

# Not saved anywhere before Send: the panel sends what the editor holds.
APP = '''from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/echo")
async def echo(request: Request, x: str = ""):
    print("echo saw", request.headers.get("x-token"), flush=True)
    return {"x": x, "token": request.headers.get("x-token"), "body": (await request.body()).decode()}
'''


@pytest.mark.slow
def test_type_a_request_send_it_and_see_the_answer(data_dir: Path, bwrap: Any) -> None:
    sync_playwright = require_browser()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    server = Server(data_dir, free_port())
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []  # script errors, and failed loads other than the 422 this test asks for
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "Failed to load" not in m.text
                    else None)
            page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and not (
                r.status == 422 or r.url.endswith("/favicon.ico")) else None)  # favicon: issue 12 point 4
            page.goto(f"{base}/signup")
            page.get_by_label("Email").fill("custom@example.com")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Create account").click()
            page.wait_for_url(f"{base}/")
            page.goto(f"{base}/challenges/hello-route")
            page.wait_for_selector(".cm-editor .cm-content")
            page.locator(".cm-content").first.click()
            page.keyboard.press("Control+A")
            page.keyboard.press("Delete")
            page.keyboard.insert_text(APP)

            assert not page.get_by_label("Path").is_visible()  # the panel starts collapsed
            page.get_by_text("Custom request", exact=True).click()
            page.get_by_label("Method").select_option("POST")
            page.get_by_label("Path").fill("nope")
            page.get_by_role("button", name="Send").click()
            page.wait_for_selector("#custom-response .error-box")
            assert "must start with a single '/'" in page.locator("#custom-response").inner_text()
            assert page.get_by_label("Method").input_value() == "POST"  # nothing typed is lost

            page.get_by_label("Path").fill("/echo?x=1")
            page.get_by_label("Headers").fill("X-Token: abc")
            page.get_by_label("Body").fill('{"a": 1}')
            page.get_by_role("button", name="Send").click()
            try:
                page.wait_for_selector('#custom-response-status[data-status="done"]', timeout=60_000)
            except Exception:
                page.screenshot(path=str(ARTEFACTS / "browser-custom-request-failure.png"), full_page=True)
                (ARTEFACTS / "server.log").write_bytes((data_dir / "server.log").read_bytes())
                raise
            assert page.locator("#response-code").inner_text() == "200"
            assert page.locator("#response-body").inner_text() == '{"x":"1","token":"abc","body":"{\\"a\\": 1}"}'
            page.get_by_text("Response headers").click()
            assert "content-type: application/json" in page.locator("pre.response-headers").inner_text()
            page.get_by_text("Your app's log (last lines)").click()  # collapsed when there is an answer
            assert "echo saw abc" in page.locator("#response-log").inner_text()
            page.screenshot(path=str(ARTEFACTS / "browser-custom-request.png"), full_page=True)

            page.set_viewport_size({"width": 390, "height": 844})
            width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], width
            assert errors == [], errors
            browser.close()
    finally:
        server.stop(signal.SIGTERM)
        server.log.close()
