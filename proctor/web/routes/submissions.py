"""One submission (its live status panel, code, results and diff) and a challenge's history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response

from proctor.store import submissions
from proctor.store.submissions import Submission
from proctor.web.deps import CatalogDep, CurrentUser, IdPath, StoreDep, find_challenge
from proctor.web.diffs import diff_files
from proctor.web.templating import render

router = APIRouter(tags=["pages"])

NOT_GRADABLE_HINTS = {
    "not_gradable": "Your app did not start, so no test could run. The output below shows why.",
    "timeout": "The run hit its time limit. Look for a loop or a blocking call that never returns.",
    "oom": "Your app used more memory than allowed.",
    "output_limit": "Your app printed more output than allowed.",
}


def visible_result(result: dict[str, Any] | None, *, staff: bool) -> dict[str, Any] | None:
    """The result as its viewer may see it: raw assertion details are for interviewers only."""
    if result is None or staff:
        return result
    return {**result, "tests": [{k: v for k, v in t.items() if k != "detail"} for t in result.get("tests", [])]}


def status_context(request: Request, submission: Submission) -> dict[str, Any]:
    """What _submission_status.html needs, for any state of the submission."""
    user = getattr(request.state, "user", None)
    progress = submission.progress or {}
    context: dict[str, Any] = {"submission": submission, "position": None, "progress": progress,
                               "result": visible_result(submission.result, staff=bool(user and user.is_staff)),
                               "hint": None, "percent": 0}
    if submission.status == "queued":
        context["position"] = submissions.queue_position(request.app.state.store, submission=submission)
    elif submission.status == "running" and progress.get("total"):
        context["percent"] = int(100 * progress.get("done", 0) / progress["total"])
    elif submission.result:
        # A quiz runs no app (sandbox "none"): its own message says what was wrong with the answers.
        if submission.result.get("sandbox") != "none":
            context["hint"] = NOT_GRADABLE_HINTS.get(submission.result_status or "")
        context["percent"] = 100
    return context


def own_submission(store: Any, submission_id: int, user_id: int) -> Submission:
    # Another user's id gets the same 404 as a missing one, so ids are not confirmed.
    found = submissions.get(store, submission_id=submission_id, user_id=user_id)
    if found is None:
        raise HTTPException(404, "There is no submission with that number in your history.")
    return found


@router.get("/submissions/{submission_id}")
def show_submission(request: Request, submission_id: IdPath, store: StoreDep, catalog: CatalogDep,
                    user: CurrentUser) -> Response:
    submission = own_submission(store, submission_id, user.id)
    previous = submissions.previous(store, submission=submission)
    known = submission.challenge in catalog.slugs()
    context = {
        **status_context(request, submission),
        "previous": previous,
        "diff": diff_files(previous.files, submission.files) if previous else [],
        "title": catalog.get(submission.challenge).title if known else submission.challenge,
        "kind": catalog.get(submission.challenge).kind if known else "http",
    }
    return render(request, "submission.html", context, block="status")


@router.get("/challenges/{slug}/history")
def show_history(request: Request, slug: str, store: StoreDep, catalog: CatalogDep, user: CurrentUser) -> Response:
    challenge = find_challenge(catalog, slug)
    rows = submissions.list_for(store, user_id=user.id, challenge=slug, suite="hidden")
    return render(request, "history.html", {"challenge": challenge, "rows": rows}, block="history")
