"""Custom requests: the challenge page's "Custom request" panel sends one request to the candidate's app.

It is a submission of suite "request" (grading/custom_request.py): the same queue, rate limits, sandbox and
limits as a grading, and no test of the pack. The code sent is the editor's (or, without JavaScript, the saved
draft, else the starter).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from proctor.grading.custom_request import REQUEST_FILE, RequestError, parse_request
from proctor.grading.packs import Challenge
from proctor.store import drafts, submissions
from proctor.store.database import Store
from proctor.store.submissions import Submission
from proctor.web.csrf import verify_csrf
from proctor.web.deps import CatalogDep, CurrentUser, IdPath, StoreDep, find_challenge
from proctor.web.routes.challenges import form_files
from proctor.web.routes.submissions import own_submission
from proctor.web.state import state_of
from proctor.web.submit import accept_submission
from proctor.web.templating import is_htmx, render

router = APIRouter(tags=["pages"], dependencies=[Depends(verify_csrf)])


def code_to_send(store: Store, user_id: int, challenge: Challenge, filename: list[str],
                 content: list[str]) -> dict[str, bytes]:
    if filename or content:
        files = form_files(filename, content)
    else:
        saved = drafts.get(store, user_id=user_id, challenge=challenge.slug)
        files = saved if saved is not None else {k: v.decode("utf-8") for k, v in challenge.starter_files().items()}
    return {name: text.encode("utf-8", "surrogateescape") for name, text in files.items()}


def response_context(request: Request, submission: Submission) -> dict[str, Any]:
    result = submission.result or {}
    tests = result.get("tests") or []
    # Without an answer, say why: the run's reason when it ended early (the app did not start: its traceback),
    # else the request's own sentence (a timeout, a closed connection).
    reason = result.get("message", "") if submission.result_status != "graded" else ""
    reason = reason or next((t.get("message") for t in tests if t.get("message")), "")
    position = (submissions.queue_position(state_of(request).store, submission=submission)
                if submission.status == "queued" else None)
    return {"submission": submission, "result": result, "response": result.get("response"), "reason": reason,
            "position": position, "sent": json.loads(submission.files.get(REQUEST_FILE, "{}"))}


@router.post("/challenges/{slug}/requests")
def create_custom_request(request: Request, slug: str, store: StoreDep, catalog: CatalogDep, user: CurrentUser,
                          method: Annotated[str, Form()], path: Annotated[str, Form()],
                          headers: Annotated[str, Form()] = "", body: Annotated[str, Form()] = "",
                          filename: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
                          content: Annotated[list[str], Form()] = []) -> Response:  # noqa: B006
    challenge = find_challenge(catalog, slug)
    if challenge.kind != "http":
        raise HTTPException(404, "This challenge runs no app, so there is nothing to send a request to.")
    try:
        custom = parse_request(method, path, headers, body)
    except RequestError as exc:
        raise HTTPException(422, str(exc)) from None
    submission = accept_submission(request, user=user, challenge=challenge, suite="request",
                                   files=code_to_send(store, user.id, challenge, filename, content),
                                   attachments={REQUEST_FILE: custom.model_dump_json()})
    if is_htmx(request):
        return render(request, "custom_response.html", response_context(request, submission), block="response")
    return RedirectResponse(f"/challenges/{slug}/requests/{submission.id}", status_code=303)


@router.get("/challenges/{slug}/requests/{submission_id}")
def show_custom_request(request: Request, slug: str, submission_id: IdPath, store: StoreDep, catalog: CatalogDep,
                        user: CurrentUser) -> Response:
    find_challenge(catalog, slug)
    submission = own_submission(store, submission_id, user.id)
    if submission.suite != "request" or submission.challenge != slug:
        raise HTTPException(404, "There is no custom request with that number in your history.")
    return render(request, "custom_response.html", response_context(request, submission), block="response")
