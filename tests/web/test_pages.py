"""Every page and fragment route, as a full page and with HX-Request."""

from __future__ import annotations

import pytest
from conftest import METRICS_AUTH, Client
from fastapi import FastAPI
from pagetree import parse

from proctor.store import submissions

pytestmark = pytest.mark.anyio


async def test_catalog_page_and_fragment(alice: Client) -> None:
    page = await alice.page("/")
    assert page.find("html") is not None
    card = page.find("li", data_slug="hello-route")
    assert card is not None and "Hello, route" in card.text()
    assert page.by_id("section-6") is not None
    form = page.find("form", class_="filters")
    assert form is not None and form.attrs["hx-push-url"] == "true"

    fragment = await alice.page("/?topic=6&difficulty=easy&status=not-started", htmx=True)
    assert fragment.find("html") is None
    assert fragment.by_id("catalog-results") is not None
    assert fragment.find("li", data_slug="hello-route") is not None

    solved_only = await alice.page("/?status=solved", htmx=True)
    assert solved_only.find("li", data_slug="hello-route") is None
    assert "No challenge matches" in solved_only.text()


async def test_catalog_is_public(client: Client) -> None:
    page = await client.page("/")
    assert page.find("li", data_slug="hello-route") is not None
    assert page.by_id("filter-status") is None  # status needs an account


async def test_challenge_page(alice: Client) -> None:
    page = await alice.page("/challenges/hello-route")
    assert "Hello, route" in page.find("h1").text()
    prompt = page.find("article", class_="prompt")
    assert prompt is not None and prompt.find("table") is not None  # Markdown rendered
    assert page.find("a", class_="guide-link") is not None
    textarea = page.find("textarea", name="content")
    assert textarea is not None and "FastAPI()" in textarea.text()
    assert page.find("input", name="filename").attrs["value"] == "app.py"
    assert page.find("button", value="examples") is not None
    assert page.find("button", id="submit-button") is not None
    assert page.find("script", src="/static/vendor/editor.min.js") is not None

    fragment = await alice.page("/challenges/hello-route", htmx=True)
    assert fragment.find("html") is None and fragment.by_id("workspace") is not None


async def test_account_and_tokens(alice: Client) -> None:
    page = await alice.page("/account")
    assert "alice@example.com" in page.text()
    fragment = await alice.page("/account", htmx=True)
    assert fragment.by_id("tokens") is not None and fragment.find("html") is None
    response = await alice.post("/account/tokens", {"name": "laptop"}, htmx=True)
    assert response.status_code == 200
    assert parse(response.text).by_id("new-token").text().startswith("pct_")


async def test_login_and_signup_pages(client: Client) -> None:
    for url, form_id in (("/login", "login-form"), ("/signup", "signup-form")):
        assert (await client.page(url)).by_id(form_id) is not None
        fragment = await client.page(url, htmx=True)
        assert fragment.by_id(form_id) is not None and fragment.find("html") is None


async def test_unknown_challenge_is_a_404_page(alice: Client) -> None:
    for htmx in (False, True):
        response = await alice.get("/challenges/no-such-thing", htmx=htmx)
        assert response.status_code == 404
        error = parse(response.text).by_id("error")
        assert error is not None and "no-such-thing" in error.text()


async def test_a_wrong_method_is_a_405_page_that_names_the_allowed_ones(alice: Client) -> None:
    for url in ("/", "/challenges/hello-route"):
        response = await alice.http.put(url)
        assert response.status_code == 405, url
        assert "GET" in response.headers["allow"], url
        assert parse(response.text).by_id("error") is not None, url


async def test_draft_autosave_and_reset(alice: Client) -> None:
    response = await alice.post("/challenges/hello-route/draft", {"filename": "app.py", "content": "# mine\n"},
                                htmx=True)
    assert response.status_code == 200 and "Draft saved" in response.text
    page = await alice.page("/challenges/hello-route")
    assert page.find("textarea", name="content").text().strip() == "# mine"
    assert "Draft restored" in page.by_id("draft-status").text()
    response = await alice.post("/challenges/hello-route/reset")
    assert response.status_code == 303
    page = await alice.page("/challenges/hello-route")
    assert "FastAPI()" in page.find("textarea", name="content").text()


async def test_submission_panel_through_its_states(app: FastAPI, alice: Client) -> None:
    store = app.state.store
    response = await alice.submit(htmx=True)
    assert response.status_code == 200
    panel = parse(response.text).by_id("submission-status")
    assert panel.attrs["data-status"] == "queued"
    assert panel.attrs["hx-trigger"] in ("load delay:100ms", "load delay:250ms")  # fresh: asked about soon
    assert "number 1 in the queue" in panel.text()
    submission_id = int(panel.find("a").attrs["href"].rsplit("/", 1)[1])

    claimed = submissions.claim(store, lease_seconds=30)
    assert claimed is not None and claimed.id == submission_id
    token = claimed.lease_token or ""
    submissions.record_progress(store, submission_id=submission_id, token=token, progress={
        "phase": "testing", "total": 2, "done": 1, "running": None,
        "tests": [{"name": "test_root", "status": "passed", "points": 2, "max_points": 2, "message": ""}]})
    fragment = await alice.page(f"/submissions/{submission_id}", htmx=True)
    panel = fragment.by_id("submission-status")
    assert fragment.find("html") is None
    assert panel.attrs["data-status"] == "running" and "hx-get" in panel.attrs
    assert "1 of 2 tests done" in panel.text()
    assert panel.find("progress").attrs["value"] == "1"
    assert panel.find("li", data_test="test_root") is not None

    result = {"status": "graded", "score": 50.0, "points": 2, "max_points": 4, "message": "", "output": "",
              "tests": [{"name": "test_root", "status": "passed", "points": 2, "max_points": 2, "message": ""},
                        {"name": "test_health", "status": "failed", "points": 0, "max_points": 2,
                         "message": "expected 200, got 404", "detail": "assert 404 == 200"}]}
    assert submissions.finish(store, submission_id=submission_id, token=token, result=result,
                              result_status="graded", score=50.0)
    fragment = await alice.page(f"/submissions/{submission_id}", htmx=True)
    panel = fragment.by_id("submission-status")
    assert panel.attrs["data-status"] == "done" and "hx-trigger" not in panel.attrs  # polling stops
    assert fragment.by_id("final-score").text() == "50"
    assert "expected 200, got 404" in panel.text()
    assert "assert 404 == 200" not in panel.text()  # raw details are for staff

    page = await alice.page(f"/submissions/{submission_id}")
    assert "Hello World" in page.find("pre", class_="code").text()
    assert "first submission" in page.text()

    history = await alice.page("/challenges/hello-route/history")
    assert history.find("a", href=f"/submissions/{submission_id}") is not None
    fragment = await alice.page("/challenges/hello-route/history", htmx=True)
    assert fragment.by_id("history") is not None and fragment.find("html") is None

    dashboard = await alice.page("/dashboard")
    assert dashboard.find("svg") is not None and dashboard.by_id("solved-count").text() == "0"
    assert dashboard.find("a", href=f"/submissions/{submission_id}") is not None
    fragment = await alice.page("/dashboard", htmx=True)
    assert fragment.by_id("activity") is not None and fragment.find("html") is None

    catalog = await alice.page("/?status=attempted")
    assert catalog.find("li", data_slug="hello-route").find("strong", class_="best-score").text() == "50"


async def test_diff_against_previous_submission(app: FastAPI, alice: Client) -> None:
    store = app.state.store
    ids = []
    for code in ("x = 1\n", "x = 2\n"):
        response = await alice.submit(code)
        ids.append(int(response.headers["location"].rsplit("/", 1)[1]))
        claimed = submissions.claim(store, lease_seconds=30)
        submissions.finish(store, submission_id=claimed.id, token=claimed.lease_token, result={"tests": []},
                           result_status="not_gradable", score=0.0)
    page = await alice.page(f"/submissions/{ids[1]}")
    diff = page.find("pre", class_="diff")
    assert diff.find("span", class_="diff-del").text() == "-x = 1"
    assert diff.find("span", class_="diff-add").text() == "+x = 2"


async def test_empty_states(alice: Client) -> None:
    assert "No submissions yet" in (await alice.page("/challenges/hello-route/history")).text()
    assert "Nothing yet" in (await alice.page("/dashboard")).text()


async def test_operations_routes(client: Client) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"
    metrics = await client.get("/metrics", headers=METRICS_AUTH)
    assert "proctor_http_requests_total" in metrics.text and "proctor_submissions" in metrics.text
    assert (await client.get("/static/vendor/htmx.min.js")).status_code == 200
    assert (await client.get("/docs")).status_code == 200
    paths = (await client.get("/openapi.json")).json()["paths"]
    # /docs documents the JSON API only, not the HTML pages.
    assert "/api/v1/submissions" in paths and all(path.startswith("/api/v1/") for path in paths), sorted(paths)
