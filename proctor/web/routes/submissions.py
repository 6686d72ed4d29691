"""One submission (its live status panel, code, results and diff) and a challenge's history."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import RedirectResponse

from proctor.grading.packs import Catalog, Challenge
from proctor.pipeline.queue_status import estimate_wait_seconds, wait_words
from proctor.store import submissions
from proctor.store.submissions import Submission
from proctor.web.deps import CatalogDep, CurrentUser, IdPath, StoreDep, find_challenge
from proctor.web.diffs import diff_files
from proctor.web.next_challenge import solved_context
from proctor.web.quiz_answers import AnsweredQuestion, answered_questions
from proctor.web.state import state_of
from proctor.web.templating import is_htmx, render

router = APIRouter(tags=["pages"])

NOT_GRADABLE_HINTS = {
    "not_gradable": "Your app did not start, so no test could run. The output below shows why.",
    "timeout": "The run hit its time limit. Look for a loop or a blocking call that never returns.",
    "oom": "Your app used more memory than allowed.",
    "output_limit": "Your app printed more output than allowed.",
}
# A pytest challenge's result is about the candidate's tests, not an app of theirs (grading/mutants.py).
SUITE_HINTS = {
    "not_gradable": "Your tests could not run. The message says why.",
    "timeout": "Your tests hit the time limit. Look for a loop, or a test that waits forever.",
    "oom": "Your tests, or the app under their requests, used more memory than allowed.",
    "output_limit": "Your tests printed more output than allowed.",
}


def is_suite(request: Request, submission: Submission) -> bool:
    """Whether the submission is a candidate's own test suite (kind = "pytest")."""
    try:
        return state_of(request).challenges.get(submission.challenge).kind == "pytest"
    except (LookupError, ValueError):  # a pack gone or broken since: show the usual wording
        return False


def visible_result(result: dict[str, Any] | None, *, staff: bool) -> dict[str, Any] | None:
    """The result as its viewer may see it: raw assertion details are for interviewers only."""
    if result is None or staff:
        return result
    return {**result, "tests": [{k: v for k, v in t.items() if k != "detail"} for t in result.get("tests", [])]}


def status_context(request: Request, submission: Submission, *, shown: int | None = None) -> dict[str, Any]:
    """What _submission_status.html needs, for any state of the submission. `shown` is how many tests the
    polling panel already shows (None when this is not a poll): the rest arrive one after another."""
    user = getattr(request.state, "user", None)
    progress = submission.progress or {}
    context: dict[str, Any] = {"submission": submission, "position": None, "wait": None, "progress": progress,
                               "result": visible_result(submission.result, staff=bool(user and user.is_staff)),
                               "hint": None, "percent": 0, "shown": shown, "header": None,
                               "suite_output": is_suite(request, submission)}
    if submission.status == "queued":
        context["position"] = submissions.queue_position(state_of(request).store, submission=submission)
        context["wait"] = queue_wait(request, context["position"])
    elif submission.status == "running" and progress.get("total"):
        context["percent"] = int(100 * progress.get("done", 0) / progress["total"])
    elif submission.result:
        # A quiz runs no app (sandbox "none"): its own message says what was wrong with the answers.
        if submission.result.get("sandbox") != "none":
            hints = SUITE_HINTS if context["suite_output"] else NOT_GRADABLE_HINTS
            context["hint"] = hints.get(submission.result_status or "")
        context["percent"] = 100
        context["header"] = practice_header(request, submission)
    return context


def queue_wait(request: Request, position: int) -> str | None:
    """The estimated wait shown beside a queue position (pipeline/queue_status.py), as words."""
    workers = request.app.state.workers
    seconds = estimate_wait_seconds(request.app.state.store, position=position, slots=workers.count if workers else 1)
    return None if seconds is None else wait_words(seconds)


def practice_header(request: Request, submission: Submission) -> dict[str, Any] | None:
    """The practice page's best score and "Solved" note, sent out of band with a finished submission so the
    header follows it; only to a panel polling from that challenge's own page (elsewhere it has no target)."""
    here = urlsplit(request.headers.get("HX-Current-URL", "")).path
    catalog = state_of(request).catalog
    if (not is_htmx(request) or submission.suite != "hidden" or submission.sitting_id is not None
            or submission.challenge not in catalog.slugs()
            or here not in (f"/challenges/{submission.challenge}", f"/quizzes/{submission.challenge}")):
        return None
    best = submissions.best_scores(state_of(request).store, user_id=submission.user_id)
    challenge = catalog.get(submission.challenge)
    return {"best": best.get(challenge.slug), **solved_context(catalog, challenge, best),
            "verdicts": quiz_verdicts(request, challenge, submission)}


def quiz_verdicts(request: Request, challenge: Challenge, submission: Submission) -> list[AnsweredQuestion]:
    """A graded practice quiz's verdict per question, with the explanation and the guide section."""
    if challenge.kind != "quiz" or submission.result_status != "graded":
        return []
    return answered_questions(challenge, submission.files, submission.result, explain=True,
                              guide_url=state_of(request).settings.guide_url)


def own_submission(store: Any, submission_id: int, user_id: int) -> Submission:
    # Another user's id gets the same 404 as a missing one, so ids are not confirmed.
    found = submissions.get(store, submission_id=submission_id, user_id=user_id)
    if found is None:
        raise HTTPException(404, "There is no submission with that number in your history.")
    return found


@router.get("/submissions/{submission_id}")
def show_submission(request: Request, submission_id: IdPath, store: StoreDep, catalog: CatalogDep,
                    user: CurrentUser, shown: Annotated[int | None, Query(ge=0, le=10_000)] = None) -> Response:
    submission = own_submission(store, submission_id, user.id)
    if submission.suite == "request":  # a custom request has its own page (routes/custom_requests.py)
        return RedirectResponse(f"/challenges/{submission.challenge}/requests/{submission.id}", status_code=303)
    previous = submissions.previous(store, submission=submission)
    known = submission.challenge in catalog.slugs()
    context = {
        **status_context(request, submission, shown=shown),
        "previous": previous,
        "diff": diff_files(previous.files, submission.files) if previous else [],
        "title": catalog.get(submission.challenge).title if known else submission.challenge,
        "kind": catalog.get(submission.challenge).kind if known else "http",
        "answers": quiz_answers_for(request, catalog, submission) if known else [],
    }
    return render(request, "submission.html", context, block="status")


def quiz_answers_for(request: Request, catalog: Catalog, submission: Submission) -> list[AnsweredQuestion]:
    """A quiz submission's answers as the chosen choices' text, with verdicts once graded."""
    challenge = catalog.get(submission.challenge)
    if challenge.kind != "quiz":
        return []
    verdicts = quiz_verdicts(request, challenge, submission)
    return verdicts or answered_questions(challenge, submission.files, None, explain=False, guide_url="")


@router.get("/challenges/{slug}/history")
def show_history(request: Request, slug: str, store: StoreDep, catalog: CatalogDep, user: CurrentUser) -> Response:
    challenge = find_challenge(catalog, slug)
    rows = submissions.list_for(store, user_id=user.id, challenge=slug, suite="hidden")
    return render(request, "history.html", {"challenge": challenge, "rows": rows}, block="history")
