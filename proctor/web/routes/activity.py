"""The timed session's activity beacon: the editor page reports large pastes and leaving the tab."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response

from proctor.store import activity
from proctor.web.csrf import verify_csrf
from proctor.web.deps import CurrentUser, IdPath, StoreDep
from proctor.web.routes.sittings import own_session, require_open, session_challenge

router = APIRouter(dependencies=[Depends(verify_csrf)], tags=["sessions"])


@router.post("/sittings/{session_id}/challenges/{slug}/activity", status_code=204)
def record_activity(request: Request, session_id: IdPath, slug: str, store: StoreDep, user: CurrentUser,
                    kind: Annotated[str, Form(max_length=20)],
                    chars: Annotated[str, Form(max_length=12)] = "") -> Response:
    session, assessment = own_session(request, store, session_id, user)
    require_open(session)
    session_challenge(request, assessment, slug, kind=None)
    if kind not in activity.KINDS:
        raise HTTPException(422, f"An activity is one of {', '.join(activity.KINDS)}.")
    count = int(chars) if chars.isdigit() else None
    try:
        activity.record(store, sitting_id=session.id, challenge=slug, kind=kind, chars=count)
    except activity.TooFast:
        raise HTTPException(429, "Too many activity reports; try again in a minute.") from None
    return Response(status_code=204)
