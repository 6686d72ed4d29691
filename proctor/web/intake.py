"""Accepting a submission (pages and API share this): check everything, then store it queued in one step.

Anything refused here leaves nothing behind: no draft change, no row, no grading.
"""

from __future__ import annotations

from fastapi import HTTPException, Request

from proctor.grading.packs import Challenge
from proctor.grading.submission import MAX_TOTAL_BYTES, SubmissionError, check_files
from proctor.store import submissions
from proctor.store.submissions import AlreadySubmitted, RateLimited, Submission
from proctor.store.users import User

SUITES = ("hidden", "examples", "request")  # request: a custom request (routes/custom_requests.py)


def accept_submission(request: Request, *, user: User, challenge: Challenge, suite: str,
                      files: dict[str, bytes], assessment_session_id: int | None = None,
                      once: bool = False, attachments: dict[str, str] | None = None) -> Submission:
    """Store a queued submission or raise HTTPException (400, 413, 422, 429) with a message for the user.
    `attachments` are platform entries stored beside the checked files (a custom request)."""
    if suite not in SUITES:
        raise HTTPException(422, f"suite must be one of {', '.join(SUITES)}")
    given = challenge.given_files()
    files = {name: data for name, data in files.items() if name not in given}
    total = sum(len(data) for data in files.values())
    if total > MAX_TOTAL_BYTES:
        raise HTTPException(413, f"Your code is {total} bytes; the limit is {MAX_TOTAL_BYTES // 1024} KiB.")
    try:
        check_files(files)
    except SubmissionError as exc:
        raise HTTPException(400, str(exc)[:1].upper() + str(exc)[1:] + ".") from None
    state = request.app.state
    try:
        submission = submissions.create(
            state.store, user_id=user.id, challenge=challenge.slug, suite=suite,
            files={**{name: data.decode("utf-8") for name, data in files.items()}, **(attachments or {})},
            per_minute=state.settings.submissions_per_minute, assessment_session_id=assessment_session_id,
            once=once)
    except RateLimited as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": str(exc.retry_after)}) from None
    except AlreadySubmitted:
        raise HTTPException(409, "You have submitted this, so it is locked.") from None
    if state.workers:
        state.workers.notify()
    return submission
