"""A real browser: an interviewer writes notes and a rating on a candidate's report, saves, and reloads."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD
from seeding import seed_world
from servers import Server, free_port
from test_browser import CHROMIUM, FLAGS, require_browser


@pytest.mark.slow
def test_interviewer_saves_notes_and_rating_and_they_survive_a_reload(data_dir: Path, bwrap: Any) -> None:
    sync_playwright = require_browser()
    server = Server(data_dir, free_port())
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        world = seed_world(base, data_dir)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            posts: list[tuple[str, int]] = []
            page.on("response", lambda r: posts.append((r.url, r.status)) if r.request.method == "POST" else None)
            page.goto(f"{base}/login")
            page.get_by_label("Email").fill(world.interviewer)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"{base}/")
            page.goto(base + world.report)
            posts.clear()

            page.get_by_role("textbox", name="Notes").fill("Clear structure; asked good questions.")
            page.get_by_label("4", exact=True).check()
            page.get_by_role("button", name="Save notes").click()
            page.wait_for_selector("#review-saved")
            assert posts == [(f"{base}{world.report}/review", 200)]
            assert page.get_by_role("textbox", name="Notes").input_value() == "Clear structure; asked good questions."
            assert page.get_by_label("4", exact=True).is_checked()

            page.reload()
            assert page.get_by_role("textbox", name="Notes").input_value() == "Clear structure; asked good questions."
            assert page.get_by_label("4", exact=True).is_checked()
            assert page.locator("#review-saved").count() == 0
            browser.close()
    finally:
        server.stop(signal.SIGTERM)
        server.log.close()
