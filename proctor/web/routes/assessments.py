"""Interviewers' assessments: list, create, show (with invitations), edit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from proctor.store import Store, assessments, invitations, sittings
from proctor.store.assessments import VISIBILITIES, Assessment
from proctor.store.database import now
from proctor.store.users import User
from proctor.web.access import challenge_choices, managed_assessment
from proctor.web.csrf import verify_csrf
from proctor.web.deps import IdPath, StaffUser, StoreDep, whole_number
from proctor.web.markdown import render_markdown
from proctor.web.state import state_of
from proctor.web.templating import is_htmx, render

router = APIRouter(dependencies=[Depends(verify_csrf)], tags=["interviewers"])
MAX_MINUTES = 24 * 60


@dataclass
class AssessmentForm:
    title: str = ""
    intro: str = ""
    challenges: tuple[str, ...] = ()
    time_limit_minutes: str = "60"
    opens_at: str = ""
    closes_at: str = ""
    score_visibility: str = "after"


def to_input(timestamp: float | None) -> str:
    """A timestamp as a datetime-local value (UTC)."""
    if timestamp is None:
        return ""
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%dT%H:%M")


def from_input(value: str) -> float | None:
    value = value.strip()
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).timestamp()


def form_of(a: Assessment) -> AssessmentForm:
    return AssessmentForm(a.title, a.intro, tuple(a.challenges), str(a.time_limit_minutes), to_input(a.opens_at),
                          to_input(a.closes_at), a.score_visibility)


def check(request: Request, user: User, form: AssessmentForm,
          keep: list[str] | None = None) -> tuple[dict[str, Any], list[str]]:
    """The cleaned values for the store, and the problems to show in the form.

    `keep`: challenges already in the assessment stay allowed (e.g. an admin's pack, when its owner edits).
    """
    errors = []
    allowed = {slug for slug, _, _ in challenge_choices(request, user)} | set(keep or [])
    chosen = [s for s in dict.fromkeys(form.challenges) if s]
    if keep:  # the form lists the catalog's order: keep the order set on the assessment's page, add new ones last
        chosen.sort(key=lambda s: keep.index(s) if s in keep else len(keep))
    if not form.title.strip():
        errors.append("Give the assessment a title.")
    if not chosen:
        errors.append("Choose at least one challenge.")
    unknown = [s for s in chosen if s not in allowed]
    if unknown:
        errors.append(f"These challenges are not available to you (or not validated): {', '.join(unknown)}.")
    minutes = whole_number(form.time_limit_minutes, maximum=MAX_MINUTES) or 0
    if not 1 <= minutes <= MAX_MINUTES:
        errors.append(f"The time limit is a whole number of minutes, 1 to {MAX_MINUTES}.")
    try:
        opens, closes = from_input(form.opens_at), from_input(form.closes_at)
    except ValueError:
        errors.append("Write the window as date and time, e.g. 2030-01-31T09:00.")
        opens = closes = None
    if opens is not None and closes is not None and closes <= opens:
        errors.append("The window must close after it opens.")
    if form.score_visibility not in VISIBILITIES:
        errors.append("Choose when candidates see their scores.")
    values = {"title": form.title.strip()[:200], "intro": form.intro[:10_000], "challenges": chosen,
              "time_limit_minutes": minutes, "opens_at": opens, "closes_at": closes,
              "score_visibility": form.score_visibility}
    return values, errors


def form_page(request: Request, user: User, form: AssessmentForm, errors: list[str], action: str,
              status_code: int = 200) -> Response:
    choices = challenge_choices(request, user)
    kinds = {slug: state_of(request).challenges.kind(slug) for slug, _, _ in choices}  # authored packs too
    context = {"form": form, "errors": errors, "action": action, "choices": choices,
               "visibilities": VISIBILITIES, "kinds": kinds}
    return render(request, "assessment_form.html", context, block="assessment_form", status_code=status_code)


@router.get("/assessments")
def list_assessments(request: Request, store: StoreDep, user: StaffUser) -> Response:
    owner = None if user.role == "admin" else user.id
    rows = assessments.list_for(store, owner_id=owner)
    counts = {a.id: len(sittings.list_for_assessment(store, assessment_id=a.id)) for a in rows}
    return render(request, "assessments.html", {"rows": rows, "counts": counts, "now": now()}, block="assessments")


@router.get("/assessments/new")
def new_assessment(request: Request, user: StaffUser) -> Response:
    return form_page(request, user, AssessmentForm(), [], "/assessments")


@router.post("/assessments")
def create_assessment(request: Request, store: StoreDep, user: StaffUser, title: Annotated[str, Form()] = "",
                      intro: Annotated[str, Form()] = "", challenges: Annotated[list[str], Form()] = [],  # noqa: B006
                      time_limit_minutes: Annotated[str, Form()] = "", opens_at: Annotated[str, Form()] = "",
                      closes_at: Annotated[str, Form()] = "",
                      score_visibility: Annotated[str, Form()] = "") -> Response:
    form = AssessmentForm(title, intro, tuple(challenges), time_limit_minutes, opens_at, closes_at, score_visibility)
    values, errors = check(request, user, form)
    if errors:
        return form_page(request, user, form, errors, "/assessments", status_code=400)
    created = assessments.create(store, owner_id=user.id, **values)
    return RedirectResponse(f"/assessments/{created.id}", status_code=303)


@router.get("/assessments/{assessment_id}")
def show_assessment(request: Request, assessment_id: IdPath, store: StoreDep, user: StaffUser) -> Response:
    assessment = managed_assessment(store, assessment_id, user)
    return render(request, "assessment.html", invitations_context(request, store, assessment), block="invitations")


def invitations_context(request: Request, store: Store, assessment: Assessment,
                        new_link: str | None = None, error: str | None = None) -> dict[str, Any]:
    lookup = state_of(request).challenges
    return {"assessment": assessment, "invitations": invitations.list_for(store, assessment_id=assessment.id),
            "titles": {s: lookup.title(s) for s in assessment.challenges}, "now": now(), "new_link": new_link,
            "error": error, "intro_html": render_markdown(assessment.intro)}


@router.post("/assessments/{assessment_id}/challenges/{slug}/move")
def move_challenge(request: Request, assessment_id: IdPath, slug: str, store: StoreDep, user: StaffUser,
                   direction: Annotated[str, Form(max_length=10)] = "") -> Response:
    """One step up or down in the order candidates see."""
    assessment = managed_assessment(store, assessment_id, user)
    order = list(assessment.challenges)
    if slug not in order:
        raise HTTPException(404, "That challenge is not part of this assessment.")
    if direction not in ("up", "down"):
        raise HTTPException(422, "Move a challenge up or down.")
    i = order.index(slug)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
        assessments.set_challenges(store, assessment_id=assessment.id, challenges=order)
    if is_htmx(request):
        moved = assessments.get(store, assessment_id=assessment.id)
        assert moved is not None
        return render(request, "assessment.html", invitations_context(request, store, moved), block="challenge_list")
    return RedirectResponse(f"/assessments/{assessment.id}", status_code=303)


@router.get("/assessments/{assessment_id}/edit")
def edit_assessment(request: Request, assessment_id: IdPath, store: StoreDep, user: StaffUser) -> Response:
    assessment = managed_assessment(store, assessment_id, user)
    return form_page(request, user, form_of(assessment), [], f"/assessments/{assessment.id}")


@router.post("/assessments/{assessment_id}")
def update_assessment(request: Request, assessment_id: IdPath, store: StoreDep, user: StaffUser,
                      title: Annotated[str, Form()] = "", intro: Annotated[str, Form()] = "",
                      challenges: Annotated[list[str], Form()] = [],  # noqa: B006
                      time_limit_minutes: Annotated[str, Form()] = "", opens_at: Annotated[str, Form()] = "",
                      closes_at: Annotated[str, Form()] = "",
                      score_visibility: Annotated[str, Form()] = "") -> Response:
    assessment = managed_assessment(store, assessment_id, user)
    form = AssessmentForm(title, intro, tuple(challenges), time_limit_minutes, opens_at, closes_at, score_visibility)
    values, errors = check(request, user, form, keep=assessment.challenges)
    if errors:
        return form_page(request, user, form, errors, f"/assessments/{assessment.id}", status_code=400)
    assessments.update(store, assessment_id=assessment.id, **values)
    return RedirectResponse(f"/assessments/{assessment.id}", status_code=303)
