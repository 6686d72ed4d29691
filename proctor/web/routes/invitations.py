"""Invitations: interviewers create and revoke them; a candidate opens one, signs in, and starts the clock.

The link carries a random secret, signed with the server's key: a forged or mistyped link is refused before
any lookup, and the database only holds the secret's hash. A link works once, for its own email, before it
expires and unless it was revoked.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature, URLSafeSerializer

from proctor.store import assessments, invitations, sittings, users
from proctor.store.database import now
from proctor.store.invitations import Invitation
from proctor.store.sittings import CannotStart
from proctor.web.access import managed_assessment
from proctor.web.csrf import verify_csrf
from proctor.web.deps import IdPath, OptionalUser, SettingsDep, StaffUser, StoreDep, whole_number
from proctor.web.markdown import render_markdown
from proctor.web.routes.assessments import invitations_context
from proctor.web.state import state_of
from proctor.web.templating import is_htmx, render

router = APIRouter(dependencies=[Depends(verify_csrf)], tags=["invitations"])
MAX_DAYS = 90


def _signer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="proctor-invitation")


def invitation_path(secret_key: str, secret: str) -> str:
    return "/invite/" + _signer(secret_key).dumps(secret)


def invitation_from_link(request: Request, token: str) -> Invitation:
    try:
        secret = _signer(state_of(request).settings.secret_key).loads(token)
    except BadSignature:
        secret = None
    found = invitations.find(state_of(request).store, secret=secret) if isinstance(secret, str) else None
    if found is None:
        raise HTTPException(404, "This invitation link is not valid. Check that you copied all of it.")
    return found


@router.post("/assessments/{assessment_id}/invitations")
def create_invitation(request: Request, assessment_id: IdPath, store: StoreDep, settings: SettingsDep,
                      user: StaffUser, email: Annotated[str, Form()] = "",
                      days: Annotated[str, Form()] = "7") -> Response:
    assessment = managed_assessment(store, assessment_id, user)
    email = users.normalise_email(email)
    lifetime = whole_number(days, maximum=MAX_DAYS) or 0
    error = None
    if "@" not in email or len(email) > 254:
        error = "Enter the candidate's email address."
    elif not 1 <= lifetime <= MAX_DAYS:
        error = f"An invitation lasts 1 to {MAX_DAYS} days."
    if error:
        context = invitations_context(request, store, assessment, error=error)
        return render(request, "assessment.html", context, block="invitations", status_code=400)
    _, secret = invitations.create(store, assessment_id=assessment.id, email=email, lifetime_seconds=lifetime * 86400)
    site = settings.public_url or str(request.base_url)  # behind a proxy, the Host header may not be the public one
    link = site.rstrip("/") + invitation_path(settings.secret_key, secret)
    context = {**invitations_context(request, store, assessment, new_link=link), "clear_form": is_htmx(request)}
    return render(request, "assessment.html", context,
                  block="invitations", status_code=201 if request.headers.get("HX-Request") else 200)


@router.post("/assessments/{assessment_id}/invitations/{invitation_id}/revoke")
def revoke_invitation(request: Request, assessment_id: IdPath, invitation_id: IdPath, store: StoreDep,
                      user: StaffUser) -> Response:
    assessment = managed_assessment(store, assessment_id, user)
    found = invitations.get(store, invitation_id=invitation_id)
    if found is None or found.assessment_id != assessment.id:
        raise HTTPException(404, "There is no such invitation in this assessment.")
    invitations.revoke(store, invitation_id=found.id)
    if request.headers.get("HX-Request"):
        return render(request, "assessment.html", invitations_context(request, store, assessment),
                      block="invitations")
    return RedirectResponse(f"/assessments/{assessment.id}", status_code=303)


@router.get("/invite/{token}")
def show_invitation(request: Request, token: str, store: StoreDep, user: OptionalUser) -> Response:
    invitation = invitation_from_link(request, token)
    assessment = assessments.get(store, assessment_id=invitation.assessment_id)
    assert assessment is not None
    here = request.url.path
    context = {"assessment": assessment, "token": token, "invitation": invitation, "problem": None,
               "login": "/login?next=" + quote(here, safe="/"),
               "signup": f"/signup?next={quote(here, safe='/')}&email={quote(invitation.email)}",
               "intro_html": render_markdown(assessment.intro), "now": now()}
    if user is None:
        return render(request, "invitation.html", context)
    session = sittings.for_invitation(store, invitation_id=invitation.id)
    if session is not None and session.user_id == user.id:
        return RedirectResponse(f"/sittings/{session.id}", status_code=303)
    problem = invitation.problem(now())
    status = 410
    if problem is None and user.email != invitation.email:
        problem, status = (f"This invitation is for another email address; you are signed in as {user.email}. "
                           "Log out and sign in with the invited address."), 403
    if problem is None and not assessment.is_open(now()):
        problem, status = "This assessment is not open right now. Check the dates in your invitation.", 409
    context["problem"] = problem
    return render(request, "invitation.html", context, status_code=status if problem else 200)


@router.post("/invite/{token}/start")
def start_session(request: Request, token: str, store: StoreDep, user: OptionalUser) -> Response:
    invitation = invitation_from_link(request, token)
    if user is None:
        return RedirectResponse(f"/invite/{token}", status_code=303)
    assessment = assessments.get(store, assessment_id=invitation.assessment_id)
    assert assessment is not None
    if user.email != invitation.email:
        raise HTTPException(403, "This invitation is for another email address.")
    if not assessment.is_open(now()):
        raise HTTPException(409, "This assessment is not open right now.")
    try:
        session = sittings.start(store, invitation_id=invitation.id, user_id=user.id,
                                            time_limit_seconds=assessment.time_limit_minutes * 60,
                                            closes_at=assessment.closes_at)
    except CannotStart as exc:
        raise HTTPException(410, str(exc)) from None
    return RedirectResponse(f"/sittings/{session.id}", status_code=303)
