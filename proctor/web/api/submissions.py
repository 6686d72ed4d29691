"""Submissions over JSON: create one, read it (with live progress), read its result."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from proctor.grading.packs import UnknownChallenge
from proctor.grading.results import RunResult
from proctor.store import submissions
from proctor.store.submissions import Submission
from proctor.web.api.responses import errors
from proctor.web.api.schemas import SubmissionCreate, SubmissionPublic, SubmissionWithFiles
from proctor.web.deps import ApiUser, CatalogDep, IdPath, StoreDep
from proctor.web.state import state_of
from proctor.web.submit import accept_submission

router = APIRouter(prefix="/submissions", tags=["submissions"])


def public(request: Request, s: Submission) -> SubmissionPublic:
    position = submissions.queue_position(state_of(request).store, submission=s) if s.status == "queued" else None
    return SubmissionPublic(id=s.id, challenge=s.challenge, suite=s.suite, status=s.status,
                            created_at=s.created_at, finished_at=s.finished_at, queue_position=position,
                            progress=s.progress if s.status == "running" else None, result_status=s.result_status,
                            score=s.score, url=f"/api/v1/submissions/{s.id}")


def owned(store: Any, submission_id: int, user_id: int) -> Submission:
    found = submissions.get(store, submission_id=submission_id, user_id=user_id)
    if found is None:
        raise HTTPException(404, "no such submission")
    return found


@router.post("", status_code=201, responses=errors(400, 403, 404, 409))
def create_submission(request: Request, body: SubmissionCreate, catalog: CatalogDep, user: ApiUser) -> SubmissionPublic:
    try:
        challenge = catalog.get(body.challenge)
    except UnknownChallenge:
        raise HTTPException(404, f"unknown challenge {body.challenge!r}") from None
    files = {name: text.encode("utf-8", "surrogatepass") for name, text in body.files.items()}
    for name, encoded in body.files_base64.items():
        try:
            files[name] = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise HTTPException(422, f"files_base64[{name!r}] is not valid base64") from None
    submission = accept_submission(request, user=user, challenge=challenge, suite=body.suite, files=files)
    return public(request, submission)


@router.get("")
def list_submissions(request: Request, store: StoreDep, user: ApiUser,
                     challenge: Annotated[str | None, Query(max_length=200)] = None,
                     limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[SubmissionPublic]:
    rows = submissions.list_for(store, user_id=user.id, challenge=challenge, suite=None, limit=limit)
    return [public(request, s) for s in rows]


@router.get("/{submission_id}", responses=errors(404))
def read_submission(request: Request, submission_id: IdPath, store: StoreDep, user: ApiUser) -> SubmissionWithFiles:
    s = owned(store, submission_id, user.id)
    return SubmissionWithFiles(**public(request, s).model_dump(), files=s.files)


@router.get("/{submission_id}/result", response_model=RunResult, responses=errors(404, 409))
def read_result(submission_id: IdPath, store: StoreDep, user: ApiUser) -> JSONResponse:
    """The grading result (the versioned schema of docs/results.md); 409 while it is still being graded."""
    s = owned(store, submission_id, user.id)
    if s.status != "done" or s.result is None:
        raise HTTPException(409, f"submission {submission_id} is {s.status}; no result yet")
    result = RunResult.model_validate(s.result)
    # Raw assertions are for interviewers: a candidate's copy has no `detail` at all (optional in the schema).
    hidden = None if user.is_staff else {"tests": {"__all__": {"detail"}}}
    return JSONResponse(result.model_dump(mode="json", by_alias=True, exclude=hidden))
