"""Issue 12's candidate pages, as HTML: read-only challenges for visitors, `next` kept through sign-up, the live
panel, quiz feedback and the app's log. The browser half is test_browser_candidate.py."""

from __future__ import annotations

import pytest
from conftest import PASSWORD, Client
from fastapi import FastAPI
from pagetree import parse

from proctor.store import sittings, submissions

pytestmark = pytest.mark.anyio


async def test_a_visitor_reads_a_challenge_and_is_asked_to_sign_in(client: Client) -> None:
    response = await client.get("/challenges/hello-route")
    assert response.status_code == 200
    page = parse(response.text)
    assert page.find("article", class_="prompt").find("table") is not None
    assert page.find("textarea") is None and page.by_id("code-form") is None  # nothing to type into
    starter = page.find("pre", class_="code")
    assert starter is not None and "FastAPI()" in starter.text()
    sign_in = page.by_id("sign-in-to-submit")
    assert sign_in.text() == "Sign in to write and submit"
    assert sign_in.attrs["href"] == "/login?next=/challenges/hello-route"
    assert page.by_id("best-score") is None


async def test_the_visitor_and_the_signed_in_pages_never_share_the_cache(client: Client, alice: Client) -> None:
    await client.get("/challenges/hello-route")
    signed_in = await alice.page("/challenges/hello-route")
    assert signed_in.by_id("code-form") is not None and signed_in.by_id("sign-in-to-submit") is None
    visitor = await client.page("/challenges/hello-route")
    assert visitor.by_id("code-form") is None and visitor.by_id("sign-in-to-submit") is not None


async def test_the_challenge_title_appears_once(alice: Client) -> None:
    page = await alice.page("/challenges/hello-route")
    headings = [h.text() for tag in ("h1", "h2") for h in page.find_all(tag)]
    assert headings.count("Hello, route") == 1, headings


async def test_sign_up_from_the_login_page_comes_back(client: Client) -> None:
    login = await client.page("/login?next=/challenges/hello-route")
    link = next(a for a in login.find("form", id="login-form").find_all("a") if a.text() == "Sign up")
    assert link.attrs["href"] == "/signup?next=/challenges/hello-route"
    signup = await client.page(link.attrs["href"])
    assert signup.find("input", name="next").attrs["value"] == "/challenges/hello-route"
    response = await client.post("/signup", {"email": "new@example.com", "password": PASSWORD,
                                             "next": "/challenges/hello-route"})
    assert response.headers["location"] == "/challenges/hello-route"


async def test_the_header_links_keep_the_visitors_place(client: Client) -> None:
    page = await client.page("/challenges/hello-route")
    nav = page.find("nav", aria_label="Main")
    hrefs = {a.text(): a.attrs["href"] for a in nav.find_all("a")}
    assert hrefs["Sign up"] == "/signup?next=/challenges/hello-route"
    assert hrefs["Log in"] == "/login?next=/challenges/hello-route"
    login = await client.page("/login?next=/invite/abc")
    hrefs = {a.text(): a.attrs["href"] for a in login.find("nav", aria_label="Main").find_all("a")}
    assert hrefs["Sign up"] == "/signup?next=/invite/abc"


async def test_signing_up_from_an_invitations_header_lands_on_the_invitation(app: FastAPI, client: Client) -> None:
    from interviews import create_assessment, invite, staff

    interviewer = await staff(app, "int@example.com")
    path = await invite(interviewer, await create_assessment(interviewer), "cand@example.com")
    page = await client.page(path)
    nav = page.find("nav", aria_label="Main")
    signup = next(a for a in nav.find_all("a") if a.text() == "Sign up").attrs["href"]
    assert signup == "/signup?next=" + path
    form = await client.page(signup)
    assert form.find("input", name="next").attrs["value"] == path
    response = await client.post("/signup", {"email": "cand@example.com", "password": PASSWORD, "next": path})
    assert response.headers["location"] == path
    assert (await client.page(path)).by_id("start-button") is not None
    await interviewer.aclose()


def finish(app: FastAPI, result: dict, *, score: float | None, result_status: str = "graded") -> int:
    """Claim the queued submission and record `result` for it; its id."""
    store = app.state.store
    claimed = submissions.claim(store, lease_seconds=30)
    assert claimed is not None
    assert submissions.finish(store, submission_id=claimed.id, token=claimed.lease_token or "", result=result,
                              result_status=result_status, score=score)
    return claimed.id


def seven_tests(passed: int) -> list[dict]:
    return [{"name": f"test_{i}", "description": f"Case **{i}**", "status": "passed" if i < passed else "failed",
             "points": 1 if i < passed else 0, "max_points": 1, "message": "" if i < passed else "wrong"}
            for i in range(7)]


HERE = {"HX-Current-URL": "http://testserver/challenges/hello-route"}


async def test_the_header_follows_a_better_score_and_offers_the_next_challenge(app: FastAPI, alice: Client) -> None:
    await alice.submit()
    first = finish(app, {"status": "graded", "score": 50.0, "points": 1, "max_points": 2, "message": "",
                         "output": "", "tests": seven_tests(3)}, score=50.0)
    await alice.submit()
    second = finish(app, {"status": "graded", "score": 100.0, "points": 7, "max_points": 7, "message": "",
                          "output": "", "tests": seven_tests(7)}, score=100.0)
    response = await alice.get(f"/submissions/{second}?shown=0", htmx=True, headers=HERE)
    fragment = parse(response.text)
    best = fragment.by_id("best-score")
    assert best.attrs["hx-swap-oob"] == "true" and best.text() == "100"
    note = fragment.by_id("solved-note")
    assert note.attrs["hx-swap-oob"] == "true" and "Solved" in note.text()
    following = fragment.by_id("next-challenge")
    assert following.attrs["href"] == "/challenges/headers-and-cookies"  # §6 has no other; the next section's

    page = await alice.page("/challenges/hello-route")  # and the page says so too
    assert page.by_id("best-score").text() == "100" and "Solved" in page.by_id("solved-note").text()
    # Polled from the submission's own page, nothing is sent out of band (there is no header to update).
    elsewhere = await alice.get(f"/submissions/{first}", htmx=True,
                                headers={"HX-Current-URL": f"http://testserver/submissions/{first}"})
    assert parse(elsewhere.text).by_id("best-score") is None


async def test_the_live_list_fills_in_and_late_tests_arrive_one_by_one(app: FastAPI, alice: Client) -> None:
    store = app.state.store
    await alice.submit()
    claimed = submissions.claim(store, lease_seconds=30)
    submissions.record_progress(store, submission_id=claimed.id, token=claimed.lease_token or "", progress={
        "phase": "testing", "total": 7, "done": 2, "running": None, "tests": seven_tests(7)[:2]})
    panel = (await alice.page(f"/submissions/{claimed.id}?shown=1", htmx=True)).by_id("submission-status")
    assert panel.attrs["hx-trigger"] == "load delay:200ms"  # faster while the tests run
    assert panel.attrs["hx-get"] == f"/submissions/{claimed.id}?shown=2"
    rows = panel.find("ol", class_="tests").find_all("li")
    assert len(rows) == 7 and len(panel.find_all("li", class_="test-pending")) == 5  # the layout is stable
    assert submissions.finish(store, submission_id=claimed.id, token=claimed.lease_token or "", result_status="graded",
                              score=100.0, result={"status": "graded", "score": 100.0, "points": 7, "max_points": 7,
                                                   "message": "", "output": "", "tests": seven_tests(7)})
    panel = (await alice.page(f"/submissions/{claimed.id}?shown=2", htmx=True)).by_id("submission-status")
    classes = [li.attrs["class"].split() for li in panel.find_all("li", class_="test")]
    assert ["arrive" in c for c in classes] == [False, False, True, True, True, True, True]
    assert [next(x for x in c if x.startswith("arrive-")) for c in classes[2:]] == [f"arrive-{i}" for i in range(1, 6)]
    # A page load is not a poll: nothing animates there.
    page = await alice.page(f"/submissions/{claimed.id}")
    assert page.find("li", class_="arrive") is None
    assert page.find("li", class_="test").find("strong").find("strong").text() == "0"  # Markdown in descriptions


async def test_a_syntax_error_is_not_gradable_not_a_zero_of_zero(app: FastAPI, alice: Client) -> None:
    await alice.submit("def broken(:\n")
    sub = finish(app, {"status": "not_gradable", "score": 0.0, "points": 0, "max_points": 0, "tests": [],
                       "message": "", "output": "SyntaxError: invalid syntax"}, score=0.0, result_status="not_gradable")
    panel = (await alice.page(f"/submissions/{sub}")).by_id("submission-status")
    score = panel.find("p", class_="score").text()
    assert "Not gradable" in score and "0 of 0" not in panel.text() and "/ 100" not in score
    log = panel.find("details", class_="app-log")
    assert "open" in log.attrs and "Your app's log" in log.find("summary").text()


async def test_a_perfect_score_keeps_the_apps_log_collapsed(app: FastAPI, alice: Client) -> None:
    await alice.submit()
    sub = finish(app, {"status": "graded", "score": 100.0, "points": 7, "max_points": 7, "message": "",
                       "output": "Traceback (most recent call last):\nRuntimeError: boom", "tests": seven_tests(7)},
                 score=100.0)
    panel = (await alice.page(f"/submissions/{sub}")).by_id("submission-status")
    log = panel.find("details", class_="app-log")
    assert log is not None and "open" not in log.attrs
    assert log.find("summary").text().startswith("Your app's log")
    assert "1 points" not in panel.text() and "7 of 7 points" in panel.text()


async def test_the_next_challenge_comes_from_the_same_section_first(app: FastAPI) -> None:
    from proctor.web.next_challenge import next_unsolved

    catalog = app.state.catalog
    solved = {"path-and-query": 100.0, "headers-and-cookies": 100.0}
    # §7 holds headers-and-cookies, path-and-query and request-body; round the section before moving on.
    assert next_unsolved(catalog, catalog.get("path-and-query"), solved).slug == "request-body"
    # With §7 solved, the next unsolved one in catalog order (a later section's first).
    ordered = [c.slug for c in catalog.all()]
    later = next(s for s in ordered[ordered.index("request-body") + 1:] if s not in solved)
    assert min(catalog.get(later).sections) > 7
    assert next_unsolved(catalog, catalog.get("request-body"), {**solved, "request-body": 100.0}).slug == later
    everything = {c.slug: 100.0 for c in catalog.all()}
    assert next_unsolved(catalog, catalog.get("hello-route"), everything) is None


async def test_a_submissions_diff_is_single_spaced_like_the_compare_page(app: FastAPI, alice: Client) -> None:
    ids = []
    for code in ("a = 1\nb = 2\nc = 3\n", "a = 1\nb = 20\nc = 3\nd = 4\n"):
        await alice.submit(code)
        ids.append(finish(app, {"tests": []}, score=0.0, result_status="not_gradable"))
    diff = (await alice.page(f"/submissions/{ids[1]}")).find("pre", class_="diff")
    lines = [span.text() for span in diff.find_all("span")]
    assert lines[-5:] == [" a = 1", "-b = 2", "+b = 20", " c = 3", "+d = 4"]
    assert "\n" not in diff.text()  # each line is a block already: a newline between them is a blank line


async def test_a_graded_practice_quiz_marks_each_question_and_explains_it(app: FastAPI, alice: Client) -> None:
    from test_quiz_pages import SLUG, answers_form, grade_queued, key_fragments, reference

    answers = {**reference(app), "created": ["a"]}  # one wrong
    await alice.get(f"/quizzes/{SLUG}")
    response = await alice.post(f"/quizzes/{SLUG}/submissions", answers_form(answers), htmx=True)
    sub_id = int(parse(response.text).find("a").attrs["href"].rsplit("/", 1)[1])
    page = await alice.page(f"/quizzes/{SLUG}")
    assert "hidden" in page.by_id("verdict-created").attrs  # an empty slot until graded
    grade_queued(app)

    # The panel polled from the quiz page fills each question's slot out of band.
    panel = parse((await alice.get(f"/submissions/{sub_id}?shown=0", htmx=True,
                                   headers={"HX-Current-URL": f"http://testserver/quizzes/{SLUG}"})).text)
    wrong = panel.by_id("verdict-created")
    assert wrong.attrs["hx-swap-oob"] == "true" and "hidden" not in wrong.attrs
    assert "✘" in wrong.text() and "Not quite." in wrong.text()
    right = panel.by_id("verdict-coercion")
    assert "✔" in right.text() and right.find("div", class_="explanation") is not None
    assert right.find("a", class_="guide-link").attrs["href"].startswith("/?topic=")
    # Question Markdown is rendered in the results: `code` in a description is a <code> element.
    descriptions = [li.find("strong") for li in panel.find_all("li", class_="test")]
    assert any(d.find("code") is not None for d in descriptions)
    assert not any("`" in d.text() for d in descriptions)

    # On the quiz page itself, after a reload, the marks sit in the questions.
    page = await alice.page(f"/quizzes/{SLUG}")
    fieldset = page.find("fieldset", data_question="created")
    assert "✘" in fieldset.by_id("verdict-created").text()
    text = page.text()
    assert sum(fragment in text for fragment in key_fragments(SLUG)) == len(key_fragments(SLUG))

    # The submission's page shows the chosen choices' text, not answers.json.
    submission = await alice.page(f"/submissions/{sub_id}")
    assert "answers.json" not in submission.text() and submission.find("pre", class_="diff") is None
    chosen = submission.find("li", data_question="created").find("span", class_="chosen")
    from proctor.grading.quiz import load_quiz

    question = next(q for q in load_quiz(app.state.catalog.get(SLUG)).questions if q.id == "created")
    assert chosen.text() == question.choices[0].text.replace("`", "")  # choice "a", its Markdown rendered


async def test_an_assessments_quiz_never_shows_explanations(app: FastAPI, client: Client) -> None:
    from interviews import create_assessment, invite, staff, start
    from test_quiz_pages import SLUG, answers_form, grade_queued, key_fragments, reference

    interviewer = await staff(app, "ivy@example.com")
    path = await invite(interviewer, await create_assessment(interviewer, challenges=(SLUG,)), "c@example.com")
    await client.signup("c@example.com")
    sid = await start(client, path)
    base = f"/sittings/{sid}/quizzes/{SLUG}"
    await client.get(base)
    await client.post(base + "/submissions", answers_form({**reference(app), "created": ["a"]}), htmx=True)
    grade_queued(app)
    sub_id = sittings.session_submissions(app.state.store, session_id=sid)[0].id
    panel = await client.get(f"/sittings/{sid}/submissions/{sub_id}", htmx=True,
                             headers={"HX-Current-URL": f"http://testserver{base}"})
    marked = parse(panel.text).by_id("verdict-created")
    assert marked.attrs["hx-swap-oob"] == "true" and "✘" in marked.text()  # marked in place, out of band
    assert not any(fragment in panel.text for fragment in key_fragments(SLUG))
    page = await client.page(base)
    assert "✘" in page.by_id("verdict-created").text()  # scores are visible during this one
    assert not any(fragment in page.text() for fragment in key_fragments(SLUG))
    await interviewer.aclose()


async def sitting_after_the_deadline(app: FastAPI, client: Client, visibility: str) -> tuple[int, int]:
    """A session whose candidate submitted hello-route and then finished; (session id, submission id)."""
    from interviews import create_assessment, invite, staff, start

    interviewer = await staff(app, f"ivy-{visibility}@example.com")
    aid = await create_assessment(interviewer, visibility=visibility)
    path = await invite(interviewer, aid, "cand@example.com")
    await interviewer.aclose()
    await client.signup("cand@example.com")
    sid = await start(client, path)
    base = f"/sittings/{sid}/challenges/hello-route"
    await client.get(base)
    r = await client.post(base + "/submissions", {"filename": "app.py", "content": "print('mine')\n"}, htmx=True)
    sub_id = int(parse(r.text).by_id("submission-status").attrs["hx-get"].rsplit("/", 1)[1])
    assert (await client.post(f"/sittings/{sid}/finish")).status_code == 303
    return sid, sub_id


async def test_the_session_page_follows_the_grading_and_shows_what_was_graded(app: FastAPI, client: Client) -> None:
    sid, sub_id = await sitting_after_the_deadline(app, client, "after")
    page = await client.page(f"/sittings/{sid}")
    results = page.by_id("session-results")
    assert results.attrs["hx-get"] == f"/sittings/{sid}" and results.attrs["hx-select"] == "#session-results"
    assert results.attrs["hx-trigger"].startswith("load")  # it polls itself while grading
    assert results.find("td", class_="session-score").text() == "grading…"

    finish(app, {"status": "graded", "score": 50.0, "points": 1, "max_points": 2, "message": "", "output": "",
                 "tests": [{"name": "test_a", "description": "GET `/`", "status": "passed", "points": 1,
                            "max_points": 1, "message": ""},
                           {"name": "test_b", "description": "GET /items", "status": "failed", "points": 0,
                            "max_points": 1, "message": "expected 200", "detail": "SECRET DETAIL"}]}, score=50.0)
    fragment = await client.page(f"/sittings/{sid}", htmx=True)  # what the poll receives
    results = fragment.by_id("session-results")
    assert "hx-trigger" not in results.attrs  # every submission is graded: polling stops
    assert results.find("td", class_="session-score").text() == "50"
    submitted = results.find("section", data_challenge="hello-route")
    assert "print('mine')" in submitted.find("pre", class_="code").text()
    assert "expected 200" in submitted.text() and "SECRET DETAIL" not in submitted.text()
    assert submitted.find("li", class_="test-passed").find("code").text() == "/"


async def test_hidden_scores_stay_hidden_after_the_session(app: FastAPI, client: Client) -> None:
    sid, _ = await sitting_after_the_deadline(app, client, "never")
    finish(app, {"status": "graded", "score": 50.0, "points": 1, "max_points": 2, "message": "", "output": "",
                 "tests": [{"name": "test_b", "status": "failed", "points": 0, "max_points": 1,
                            "message": "expected 200"}]}, score=50.0)
    page = await client.page(f"/sittings/{sid}")
    submitted = page.find("section", data_challenge="hello-route")
    assert "print('mine')" in submitted.find("pre", class_="code").text()
    assert "expected 200" not in page.text() and page.find("td", class_="session-score") is None
    assert "not shown" in submitted.text()


async def test_counts_are_plural_only_when_they_should_be(app: FastAPI, client: Client) -> None:
    from interviews import create_assessment, invite, staff, start

    env = app.state.templates.env
    assert [env.from_string('{{ n|plural("run") }}').render(n=n) for n in (0, 1, 2)] == ["0 runs", "1 run", "2 runs"]
    interviewer = await staff(app, "ivy@example.com")
    aid = await create_assessment(interviewer)
    await client.signup("cand@example.com")
    sid = await start(client, await invite(interviewer, aid, "cand@example.com"))
    base = f"/sittings/{sid}/challenges/hello-route"
    await client.get(base)
    await client.post(base + "/submissions", {"filename": "app.py", "content": "x = 1\n"}, htmx=True)
    report = await interviewer.page(f"/assessments/{aid}/candidates/{sid}")
    assert "1 run ·" in report.text() and "1 runs" not in report.text()
    await interviewer.aclose()


async def test_a_visitor_reads_a_quizs_questions_and_is_asked_to_sign_in(client: Client) -> None:
    from test_quiz_pages import SLUG, assert_no_key

    response = await client.get(f"/quizzes/{SLUG}")
    assert response.status_code == 200
    assert_no_key(response.text)
    page = parse(response.text)
    fieldsets = page.find_all("fieldset", class_="question")
    assert fieldsets and all("disabled" in f.attrs for f in fieldsets)
    assert page.by_id("code-form") is None
    assert page.by_id("sign-in-to-submit").attrs["href"] == f"/login?next=/quizzes/{SLUG}"


async def test_a_back_that_missed_htmxs_history_cache_gets_the_whole_page(client: Client) -> None:
    response = await client.get("/?topic=7", htmx=True, headers={"HX-History-Restore-Request": "true"})
    page = parse(response.text)
    assert page.find("html") is not None and page.find("form", class_="filters") is not None
    assert page.find("script", src="/static/catalog.js") is not None
