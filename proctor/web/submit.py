"""The web's door to intake: the request gives the store, settings and client address; a refusal becomes
the HTTP answer it stands for."""

from __future__ import annotations

from fastapi import HTTPException, Request

from proctor.grading.packs import Challenge
from proctor.pipeline import intake
from proctor.store.submissions import Submission
from proctor.store.users import User
from proctor.web.state import state_of


def accept_submission(request: Request, *, user: User, challenge: Challenge, suite: str,
                      files: dict[str, bytes], sitting_id: int | None = None,
                      once: bool = False, attachments: dict[str, str] | None = None) -> Submission:
    state = state_of(request)
    try:
        return intake.accept(
            state.store, state.settings, user=user, challenge=challenge, suite=suite, files=files,
            client_address=request.client.host if request.client else None,
            sitting_id=sitting_id, once=once, attachments=attachments,
            notify=state.workers.notify if state.workers else None)
    except intake.Refused as exc:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
        raise HTTPException(exc.status, str(exc), headers=headers) from None
