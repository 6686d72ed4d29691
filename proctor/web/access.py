"""Who may see what in the interviewer workflow, as lookups that answer 404 for anything not yours.

A missing id and someone else's id get the same 404, so ids are never confirmed to those who may not see them.
"""

from __future__ import annotations

from fastapi import HTTPException, Request

from proctor.store import Store, assessments, authored_challenges, sittings
from proctor.store.assessments import Assessment
from proctor.store.authored_challenges import AuthoredChallenge
from proctor.store.sittings import Sitting
from proctor.store.users import User
from proctor.web.state import state_of


def may_manage(user: User, owner_id: int) -> bool:
    """Interviewers manage their own things; admins manage everyone's."""
    return user.role == "admin" or (user.role == "interviewer" and user.id == owner_id)


def managed_assessment(store: Store, assessment_id: int, user: User) -> Assessment:
    found = assessments.get(store, assessment_id=assessment_id)
    if found is None or not may_manage(user, found.owner_id):
        raise HTTPException(404, "There is no assessment with that number among yours.")
    return found


def managed_session(store: Store, assessment: Assessment, session_id: int) -> Sitting:
    found = sittings.get(store, session_id=session_id)
    if found is None or found.assessment_id != assessment.id:
        raise HTTPException(404, "That candidate did not take this assessment.")
    return found


def managed_authored(store: Store, slug: str, user: User) -> AuthoredChallenge:
    found = authored_challenges.get(store, slug=slug)
    if found is None or not may_manage(user, found.owner_id):
        raise HTTPException(404, "There is no challenge by that name among yours.")
    return found


def challenge_choices(request: Request, user: User) -> list[tuple[str, str, bool]]:
    """(slug, title, authored) a user may put in an assessment: their validated packs first (no candidate can
    have practised those), then the public catalog (anyone may have practised those beforehand)."""
    store: Store = state_of(request).store
    public = [(c.slug, c.title, False) for c in state_of(request).catalog.all()]
    owner = None if user.role == "admin" else user.id
    mine = [(a.slug, a.title, True) for a in authored_challenges.list_for(store, owner_id=owner) if a.validated]
    return mine + public
