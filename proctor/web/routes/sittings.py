"""A candidate's timed session: overview, the editor per challenge, autosaved snapshots, submit, finish.

The server's clock decides everything: the deadline was fixed at Start, every write checks it, and a
session found past its deadline is closed (drafts submitted) before anything else happens.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from proctor.grading.packs import Challenge
from proctor.grading.submission import MAX_TOTAL_BYTES
from proctor.store import Store, assessments, sittings, snapshots, submissions
from proctor.store.assessments import Assessment
from proctor.store.database import now
from proctor.store.sittings import Sitting
from proctor.store.snapshots import SnapshotLimits
from proctor.store.submissions import Submission
from proctor.store.users import User
from proctor.web.csrf import verify_csrf
from proctor.web.deps import CurrentUser, IdPath, StoreDep
from proctor.web.markdown import render_challenge_prompt
from proctor.web.quiz_answers import answered_questions
from proctor.web.routes.challenges import decode, form_files
from proctor.web.routes.submissions import visible_result
from proctor.web.state import state_of
from proctor.web.submit import accept_submission
from proctor.web.templating import is_htmx, render

router = APIRouter(dependencies=[Depends(verify_csrf)], tags=["sessions"])


def own_session(request: Request, store: Store, session_id: int, user: User) -> tuple[Sitting, Assessment]:
    """The candidate's own session, closed first if its deadline has passed; 404 for anyone else's."""
    found = sittings.get(store, session_id=session_id, user_id=user.id)
    if found is None:
        raise HTTPException(404, "There is no assessment session with that number among yours.")
    if found.status == "active" and now() >= found.deadline:
        if sittings.close(store, session_id=found.id, status="expired"):
            workers = state_of(request).workers
            if workers:
                workers.notify()
        found = sittings.get(store, session_id=session_id)
        assert found is not None
    assessment = assessments.get(store, assessment_id=found.assessment_id)
    assert assessment is not None
    return found, assessment


def keep_snapshot(request: Request, session: Sitting, slug: str, files: dict[str, str]) -> bool:
    """Save the candidate's draft as a snapshot, within the settings' bounds (snapshots.SnapshotLimits)."""
    settings = state_of(request).settings
    limits = SnapshotLimits(keep=settings.snapshots_kept, max_bytes=settings.snapshot_bytes,
                            interval=settings.snapshot_interval_seconds)
    return snapshots.save(state_of(request).store, sitting_id=session.id, challenge=slug, files=files,
                          limits=limits)


def scores_visible(session: Sitting, assessment: Assessment) -> bool:
    return assessment.score_visibility == "during" or (
        assessment.score_visibility == "after" and session.status != "active")


def session_challenge(request: Request, assessment: Assessment, slug: str, *, kind: str | None = "http") -> Challenge:
    """The assessment's challenge; with `kind`, only one of that kind, so a quiz's answers never go through
    the code routes (which would let them be submitted more than once)."""
    if slug not in assessment.challenges:
        raise HTTPException(404, "That challenge is not part of this assessment.")
    challenge: Challenge = state_of(request).challenges.get(slug)
    if kind is not None and (challenge.kind == "quiz") != (kind == "quiz"):  # http, pytest, ...: code routes
        raise HTTPException(404, f"“{slug}” is not a {'quiz' if kind == 'quiz' else 'coding challenge'}.")
    return challenge


def require_open(session: Sitting) -> None:
    if not session.open_at(now()):
        raise HTTPException(409, "Time is up: this session is locked, and your last drafts were submitted.")


def base_context(session: Sitting, assessment: Assessment) -> dict[str, Any]:
    return {"session": session, "assessment": assessment, "remaining": int(session.remaining(now())),
            "show_scores": scores_visible(session, assessment)}


def panel_context(session: Sitting, assessment: Assessment, submission: Submission) -> dict[str, Any]:
    return {**base_context(session, assessment), "submission": submission,
            "result": visible_result(submission.result, staff=False)}


@router.get("/sessions")
@router.get("/sessions/{rest:path}")
def old_session_url(request: Request, rest: str = "") -> Response:
    """Sittings were under /sessions before they had one name; old links and bookmarks still arrive."""
    target = "/sittings" + (f"/{rest}" if rest else "")
    return RedirectResponse(target + (f"?{request.url.query}" if request.url.query else ""), status_code=308)


@router.get("/sittings")
def list_sessions(request: Request, store: StoreDep, user: CurrentUser) -> Response:
    rows = []
    for s in sittings.list_for_user(store, user_id=user.id):
        a = assessments.get(store, assessment_id=s.assessment_id)
        rows.append((s, a))
    return render(request, "sittings.html", {"rows": rows, "now": now()}, block="sittings")


@router.get("/sittings/{session_id}")
def show_session(request: Request, session_id: IdPath, store: StoreDep, user: CurrentUser) -> Response:
    session, assessment = own_session(request, store, session_id, user)
    lookup = state_of(request).challenges
    show_scores = scores_visible(session, assessment)
    items = []
    for slug in assessment.challenges:
        subs = sittings.session_submissions(store, session_id=session.id, challenge=slug)
        drafted = snapshots.latest(store, sitting_id=session.id, challenge=slug) is not None
        counted = counted_submission(subs)
        item = {"slug": slug, "title": lookup.title(slug), "submissions": len(subs), "drafted": drafted,
                "last": subs[-1] if subs else None, "kind": lookup.kind(slug), "counted": counted,
                "grading": any(s.status != "done" for s in subs), "result": None, "answers": []}
        if session.status != "active" and counted is not None:
            # What was submitted and, as the score visibility allows, how it was graded.
            item["result"] = visible_result(counted.result, staff=False) if show_scores else None
            if item["kind"] == "quiz":
                item["answers"] = answered_questions(lookup.get(slug), counted.files,
                                                     counted.result if show_scores else None,
                                                     explain=False, guide_url="")
        items.append(item)
    context = {**base_context(session, assessment), "items": items,
               "grading": any(item["grading"] for item in items)}
    return render(request, "sitting.html", context, block="sitting")


def counted_submission(subs: list[Submission]) -> Submission | None:
    """The submission a challenge's score comes from: the best graded one (the latest among equals), else the
    latest."""
    graded = [s for s in subs if s.status == "done" and s.score is not None]
    if graded:
        return max(graded, key=lambda s: (s.score or 0.0, s.id))
    return subs[-1] if subs else None


@router.get("/sittings/{session_id}/challenges/{slug}")
def show_session_challenge(request: Request, session_id: IdPath, slug: str, store: StoreDep,
                           user: CurrentUser) -> Response:
    session, assessment = own_session(request, store, session_id, user)
    if not session.open_at(now()):
        return RedirectResponse(f"/sittings/{session.id}", status_code=303)
    challenge = session_challenge(request, assessment, slug, kind=None)
    if challenge.kind == "quiz":
        return RedirectResponse(f"/sittings/{session.id}/quizzes/{slug}", status_code=303)
    sittings.record_event(store, session_id=session.id, challenge=slug, kind="opened", once=True)
    latest = snapshots.latest(store, sitting_id=session.id, challenge=slug)
    # The challenge's own files first (a Dockerfile before its .dockerignore), then the rest of the starter.
    files = {**dict.fromkeys(challenge.files, ""), **decode(challenge.starter_files()),
             **(latest.files if latest else {})}
    subs = sittings.session_submissions(store, session_id=session.id, challenge=slug, suite=None)
    index = assessment.challenges.index(slug)
    context = {**base_context(session, assessment), "challenge": challenge,
               "prompt_html": render_challenge_prompt(challenge.prompt()), "files": files,
               "given": decode(challenge.given_files()), "has_draft": latest is not None,
               "position": index + 1, "next_slug": (assessment.challenges + [None])[index + 1],
               **(panel_context(session, assessment, subs[-1]) if subs else {"submission": None})}
    return render(request, "sitting_challenge.html", context, block="workspace")


@router.post("/sittings/{session_id}/challenges/{slug}/draft")
def save_snapshot(request: Request, session_id: IdPath, slug: str, store: StoreDep, user: CurrentUser,
                  filename: Annotated[list[str], Form()], content: Annotated[list[str], Form()]) -> Response:
    session, assessment = own_session(request, store, session_id, user)
    require_open(session)
    challenge = session_challenge(request, assessment, slug)
    given = challenge.given_files()
    files = {k: v for k, v in form_files(filename, content).items() if k not in given}
    if sum(len(v.encode()) for v in files.values()) > MAX_TOTAL_BYTES:
        raise HTTPException(413, "This draft is over the size limit, so it was not saved.")
    if keep_snapshot(request, session, slug, files) and \
            files != decode(challenge.starter_files()):
        sittings.record_event(store, session_id=session.id, challenge=slug, kind="first edit", once=True)
    if is_htmx(request):
        return render(request, "_draft_status.html", {"saved": True})
    return RedirectResponse(f"/sittings/{session.id}/challenges/{slug}", status_code=303)


@router.post("/sittings/{session_id}/challenges/{slug}/submissions")
def create_session_submission(request: Request, session_id: IdPath, slug: str, store: StoreDep, user: CurrentUser,
                              filename: Annotated[list[str], Form()], content: Annotated[list[str], Form()],
                              suite: Annotated[str, Form()] = "hidden") -> Response:
    session, assessment = own_session(request, store, session_id, user)
    require_open(session)
    challenge = session_challenge(request, assessment, slug)
    files = form_files(filename, content)
    submission = accept_submission(request, user=user, challenge=challenge, suite=suite,
                                   files={k: v.encode("utf-8", "surrogateescape") for k, v in files.items()},
                                   sitting_id=session.id)
    keep_snapshot(request, session, slug, {k: v for k, v in files.items() if k not in challenge.given_files()})
    if is_htmx(request):
        return render(request, "_session_submission.html", panel_context(session, assessment, submission))
    return RedirectResponse(f"/sittings/{session.id}/challenges/{slug}", status_code=303)


@router.get("/sittings/{session_id}/submissions/{submission_id}")
def show_session_submission(request: Request, session_id: IdPath, submission_id: IdPath, store: StoreDep,
                            user: CurrentUser) -> Response:
    session, assessment = own_session(request, store, session_id, user)
    found = submissions.get(store, submission_id=submission_id)
    if found is None or found.sitting_id != session.id:
        raise HTTPException(404, "There is no such submission in this session.")
    context = panel_context(session, assessment, found)
    # A graded quiz polled from its page marks each question out of band, when scores may be seen.
    here = urlsplit(request.headers.get("HX-Current-URL", "")).path
    if (is_htmx(request) and here == f"/sittings/{session.id}/quizzes/{found.challenge}" and found.status == "done"
            and found.result_status == "graded" and context["show_scores"]):
        context["verdicts"] = answered_questions(state_of(request).challenges.get(found.challenge), found.files,
                                                 found.result, explain=False, guide_url="")
    return render(request, "_session_submission.html", context)


@router.post("/sittings/{session_id}/finish")
def finish_session(request: Request, session_id: IdPath, store: StoreDep, user: CurrentUser) -> Response:
    session, _ = own_session(request, store, session_id, user)
    require_open(session)
    workers = state_of(request).workers
    if sittings.close(store, session_id=session.id, status="finished") and workers:
        workers.notify()
    return RedirectResponse(f"/sittings/{session.id}", status_code=303)
