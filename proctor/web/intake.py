"""Accepting a submission (pages and API share this): check everything, then store it queued in one step.

Anything refused here leaves nothing behind: no draft change, no row, no grading.
"""

from __future__ import annotations

import datetime as dt

from fastapi import HTTPException, Request

from proctor.grading.packs import Challenge
from proctor.grading.submission import MAX_TOTAL_BYTES, SubmissionError, check_files
from proctor.store import assessment_sessions, submissions
from proctor.store.assessment_sessions import Hold
from proctor.store.submissions import AlreadySubmitted, QueueLimits, RateLimited, Submission
from proctor.store.users import User
from proctor.web.state import state_of

SUITES = ("hidden", "examples", "request")  # request: a custom request (routes/custom_requests.py)


def hold_message(hold: Hold) -> str:
    until = dt.datetime.fromtimestamp(hold.deadline, dt.UTC).strftime("%H:%M UTC")
    return (f"You are sitting “{hold.title}” until {until}; practice on its challenges reopens when it ends. "
            "Your practice drafts and results stay readable.")


def refuse_held_practice(request: Request, *, user: User, challenge: str) -> None:
    """409 while a session the user is sitting includes this challenge: practice would grade the same code
    (or try every quiz answer) outside the session's rules."""
    hold = assessment_sessions.holding(state_of(request).store, user_id=user.id, challenge=challenge)
    if hold is not None:
        raise HTTPException(409, hold_message(hold))


def client_address(request: Request, assessment_session_id: int | None) -> str | None:
    """The address the per-address cap counts, or None for a candidate's submission in a session: candidates on
    a hiring day often share one office address, and sessions exist only by invitation, one in flight each."""
    if assessment_session_id is not None or request.client is None:
        return None
    return request.client.host


def accept_submission(request: Request, *, user: User, challenge: Challenge, suite: str,
                      files: dict[str, bytes], assessment_session_id: int | None = None,
                      once: bool = False, attachments: dict[str, str] | None = None) -> Submission:
    """Store a queued submission or raise HTTPException (400, 409, 413, 422, 429) with a message for the user.
    `attachments` are platform entries stored beside the checked files (a custom request)."""
    if suite not in SUITES:
        raise HTTPException(422, f"suite must be one of {', '.join(SUITES)}")
    if assessment_session_id is None:
        refuse_held_practice(request, user=user, challenge=challenge.slug)
    given = challenge.given_files()
    files = {name: data for name, data in files.items() if name not in given}
    total = sum(len(data) for data in files.values())
    if total > MAX_TOTAL_BYTES:
        raise HTTPException(413, f"Your code is {total} bytes; the limit is {MAX_TOTAL_BYTES // 1024} KiB.")
    try:
        check_files(files)
    except SubmissionError as exc:
        raise HTTPException(400, str(exc)[:1].upper() + str(exc)[1:] + ".") from None
    state = state_of(request)
    settings = state.settings
    limits = QueueLimits(per_minute=settings.submissions_per_minute, per_address=settings.max_queued_per_address,
                         total=settings.max_queued)
    try:
        submission = submissions.create(
            state.store, user_id=user.id, challenge=challenge.slug, suite=suite,
            files={**{name: data.decode("utf-8") for name, data in files.items()}, **(attachments or {})},
            assessment_session_id=assessment_session_id, once=once, limits=limits,
            client_address=client_address(request, assessment_session_id))
    except RateLimited as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": str(exc.retry_after)}) from None
    except AlreadySubmitted:
        raise HTTPException(409, "You have submitted this, so it is locked.") from None
    if state.workers:
        state.workers.notify()
    return submission
