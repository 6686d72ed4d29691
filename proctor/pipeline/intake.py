"""Accepting a submission (pages and API share this): check everything, then store it queued in one step.

Anything refused here leaves nothing behind: no draft change, no row, no grading. A refusal is a `Refused`
carrying the HTTP status it stands for; web/submit.py turns it into the answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from proctor.grading.packs import Challenge
from proctor.grading.submission import MAX_TOTAL_BYTES, SubmissionError, check_files
from proctor.settings import Settings
from proctor.store import Store, sittings, submissions
from proctor.store.sittings import Hold
from proctor.store.submissions import (
    AlreadySubmitted,
    QueueLimits,
    RateLimited,
    Submission,
)
from proctor.store.users import User

SUITES = ("hidden", "examples", "request")  # request: a custom request (routes/custom_requests.py)


class Refused(Exception):
    """Nothing was stored. `status` is the HTTP status the refusal stands for; the message is for the user."""

    def __init__(self, status: int, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


def hold_message(hold: Hold) -> str:
    until = dt.datetime.fromtimestamp(hold.deadline, dt.UTC).strftime("%H:%M UTC")
    return (f"You are sitting “{hold.title}” until {until}; practice on its challenges reopens when it ends. "
            "Your practice drafts and results stay readable.")


def refuse_held_practice(store: Store, *, user: User, challenge: str) -> None:
    """409 while a session the user is sitting includes this challenge: practice would grade the same code
    (or try every quiz answer) outside the session's rules."""
    hold = sittings.holding(store, user_id=user.id, challenge=challenge)
    if hold is not None:
        raise Refused(409, hold_message(hold))


def accept(store: Store, settings: Settings, *, user: User, challenge: Challenge, suite: str,
           files: dict[str, bytes], client_address: str | None, sitting_id: int | None = None,
           once: bool = False, attachments: dict[str, str] | None = None,
           notify: Callable[[], None] | None = None) -> Submission:
    """Store a queued submission or raise Refused (400, 409, 413, 422, 429). `client_address` is None for a
    candidate's submission in a session: candidates on a hiring day often share one office address, and
    sessions exist only by invitation, one in flight each. `attachments` are platform entries stored beside the
    checked files (a custom request). `notify` wakes the workers."""
    if suite not in SUITES:
        raise Refused(422, f"suite must be one of {', '.join(SUITES)}")
    if sitting_id is None:
        refuse_held_practice(store, user=user, challenge=challenge.slug)
    given = challenge.given_files()
    files = {name: data for name, data in files.items() if name not in given}
    total = sum(len(data) for data in files.values())
    if total > MAX_TOTAL_BYTES:
        raise Refused(413, f"Your code is {total} bytes; the limit is {MAX_TOTAL_BYTES // 1024} KiB.")
    try:
        check_files(files)
    except SubmissionError as exc:
        raise Refused(400, str(exc)[:1].upper() + str(exc)[1:] + ".") from None
    limits = QueueLimits(per_minute=settings.submissions_per_minute, per_address=settings.max_queued_per_address,
                         total=settings.max_queued)
    try:
        submission = submissions.create(
            store, user_id=user.id, challenge=challenge.slug, suite=suite,
            files={**{name: data.decode("utf-8") for name, data in files.items()}, **(attachments or {})},
            sitting_id=sitting_id, once=once, limits=limits,
            client_address=None if sitting_id is not None else client_address)
    except RateLimited as exc:
        raise Refused(429, str(exc), retry_after=exc.retry_after) from None
    except AlreadySubmitted:
        raise Refused(409, "You have submitted this, so it is locked.") from None
    if notify:
        notify()
    return submission
