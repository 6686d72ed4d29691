"""One candidate's report (submissions, diffs, timeline, playback), notes and rating, comparison, similarity."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from proctor.review.effort import effort
from proctor.review.results_table import final_code, seconds_used, session_status, starter_code
from proctor.review.similarity import (
    MIN_FINGERPRINTS,
    THRESHOLD,
    fingerprint,
    joined,
    judgeable,
    shared_lines,
    shared_share,
)
from proctor.store import Store, activity, reviews, sittings, snapshots, users
from proctor.store.assessments import Assessment
from proctor.store.database import now
from proctor.store.sittings import Sitting
from proctor.web.access import managed_assessment, managed_session
from proctor.web.csrf import verify_csrf
from proctor.web.deps import MAX_ID, IdPath, IdQuery, StaffUser, StoreDep
from proctor.web.diffs import diff_files
from proctor.web.state import state_of
from proctor.web.templating import is_htmx, render

router = APIRouter(dependencies=[Depends(verify_csrf)], tags=["review"])


def challenge_report(store: Store, session: Sitting, slug: str) -> dict[str, Any]:
    subs = sittings.session_submissions(store, session_id=session.id, challenge=slug, suite=None)
    hidden = [s for s in subs if s.suite == "hidden"]
    diffs = {cur.id: diff_files(prev.files, cur.files) for prev, cur in zip(hidden, hidden[1:], strict=False)}
    snaps = snapshots.list_for(store, sitting_id=session.id, challenge=slug)
    events = [e for e in sittings.events(store, session_id=session.id) if e.challenge == slug]
    timeline = [(e.at, e.kind) for e in events] + [
        (s.created_at, f"{'submitted' if s.suite == 'hidden' else 'ran the examples'} #{s.id}"
         + (f": {s.score:g}" if s.score is not None else "")) for s in subs]
    spent = effort([s.at for s in snaps] + [s.created_at for s in subs],
                   activity.list_for(store, sitting_id=session.id, challenge=slug))
    times = [t for t, _ in timeline + spent.timeline] + [s.at for s in snaps]
    return {"slug": slug, "submissions": subs, "diffs": diffs, "snapshots": snaps,
            "timeline": sorted(timeline + spent.timeline), "effort": spent,
            "seconds": (max(times) - min(times)) if times else 0.0}


def report_context(request: Request, store: Store, assessment: Assessment,
                   session: Sitting) -> dict[str, Any]:
    lookup = state_of(request).challenges
    candidate = users.get(store, user_id=session.user_id)
    # The page's links and the review form's action: in the context, not a template `set`, because the review
    # block is also rendered alone (jinja2-fragments), where variables set outside the block do not exist.
    base = f"/assessments/{assessment.id}/candidates/{session.id}"
    return {"assessment": assessment, "session": session, "base": base,
            "email": candidate.email if candidate else "(deleted)",
            "status": session_status(session, now()), "seconds_used": seconds_used(session, now()),
            "titles": {s: lookup.title(s) for s in assessment.challenges},
            "challenges": [challenge_report(store, session, slug) for slug in assessment.challenges],
            "review": reviews.get(store, sitting_id=session.id), "saved": False}


@router.get("/assessments/{assessment_id}/candidates/{session_id}")
def show_report(request: Request, assessment_id: IdPath, session_id: IdPath, store: StoreDep,
                user: StaffUser) -> Response:
    assessment = managed_assessment(store, assessment_id, user)
    session = managed_session(store, assessment, session_id)
    return render(request, "report.html", report_context(request, store, assessment, session), block="review")


@router.get("/assessments/{assessment_id}/candidates/{session_id}/playback/{slug}")
def show_playback(request: Request, assessment_id: IdPath, session_id: IdPath, slug: str, store: StoreDep,
                  user: StaffUser, at: Annotated[int, Query(ge=-1, le=MAX_ID)] = -1) -> Response:
    """The code as it stood at snapshot `at` (0 = first; -1 = last): the slider's fragment."""
    assessment = managed_assessment(store, assessment_id, user)
    session = managed_session(store, assessment, session_id)
    if slug not in assessment.challenges:
        raise HTTPException(404, "That challenge is not part of this assessment.")
    snaps = snapshots.list_for(store, sitting_id=session.id, challenge=slug)
    if not snaps:
        raise HTTPException(404, "No drafts were saved for this challenge.")
    index = at if 0 <= at < len(snaps) else len(snaps) - 1
    context = {"assessment": assessment, "session": session, "slug": slug, "snapshots": snaps, "index": index,
               "snap": snaps[index], "title": state_of(request).challenges.title(slug)}
    return render(request, "playback.html", context, block="playback")


@router.post("/assessments/{assessment_id}/candidates/{session_id}/review")
def save_review(request: Request, assessment_id: IdPath, session_id: IdPath, store: StoreDep, user: StaffUser,
                notes: Annotated[str, Form(max_length=20_000)] = "", rating: Annotated[str, Form()] = "") -> Response:
    assessment = managed_assessment(store, assessment_id, user)
    session = managed_session(store, assessment, session_id)
    if rating and rating not in {"1", "2", "3", "4", "5"}:
        raise HTTPException(422, "A rating is a whole number from 1 to 5.")
    reviews.save(store, sitting_id=session.id, reviewer_id=user.id, notes=notes,
                 rating=int(rating) if rating else None)
    if is_htmx(request):
        context = {**report_context(request, store, assessment, session), "saved": True}
        return render(request, "report.html", context, block="review")
    return RedirectResponse(f"/assessments/{assessment.id}/candidates/{session.id}", status_code=303)


@router.get("/assessments/{assessment_id}/candidates/{session_id}/report.json")
def export_report_json(request: Request, assessment_id: IdPath, session_id: IdPath, store: StoreDep,
                       user: StaffUser) -> Response:
    assessment = managed_assessment(store, assessment_id, user)
    session = managed_session(store, assessment, session_id)
    context = report_context(request, store, assessment, session)
    body = {"assessment": assessment.id, "session": session.id, "email": context["email"],
            "status": context["status"], "seconds_used": round(context["seconds_used"]),
            "review": {"notes": context["review"].notes, "rating": context["review"].rating},
            "challenges": [{"challenge": c["slug"], "seconds": round(c["seconds"]),
                            "active_seconds": round(c["effort"].active_seconds), "pastes": c["effort"].pastes,
                            "times_away": c["effort"].times_away, "seconds_away": round(c["effort"].seconds_away),
                            "timeline": [{"at": t, "event": e} for t, e in c["timeline"]],
                            "snapshots": len(c["snapshots"]),
                            "submissions": [{"id": s.id, "suite": s.suite, "created_at": s.created_at,
                                             "status": s.result_status or s.status, "score": s.score,
                                             "files": s.files, "result": s.result} for s in c["submissions"]]}
                           for c in context["challenges"]]}
    return JSONResponse(body, headers={"Content-Disposition":
                                       f'attachment; filename="report-{assessment.id}-{session.id}.json"'})


@router.get("/assessments/{assessment_id}/candidates/{session_id}/report.csv")
def export_report_csv(request: Request, assessment_id: IdPath, session_id: IdPath, store: StoreDep,
                      user: StaffUser) -> Response:
    assessment = managed_assessment(store, assessment_id, user)
    session = managed_session(store, assessment, session_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["challenge", "submission", "suite", "created_at", "status", "score", "test", "test_status",
                     "points", "max_points", "message"])
    for slug in assessment.challenges:
        for s in sittings.session_submissions(store, session_id=session.id, challenge=slug, suite=None):
            tests = (s.result or {}).get("tests") or [{}]
            for t in tests:
                writer.writerow([slug, s.id, s.suite, round(s.created_at), s.result_status or s.status,
                                 "" if s.score is None else f"{s.score:g}", t.get("name", ""), t.get("status", ""),
                                 t.get("points", ""), t.get("max_points", ""), t.get("detail") or t.get("message", "")])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="report-{assessment.id}-{session.id}.csv"'})


def side(store: Store, assessment: Assessment, session_id: int, slug: str) -> dict[str, Any]:
    session = managed_session(store, assessment, session_id)
    candidate = users.get(store, user_id=session.user_id)
    subs = [s for s in sittings.session_submissions(store, session_id=session.id, challenge=slug)
            if s.score is not None]
    scores = [s.score for s in subs if s.score is not None]
    return {"session": session, "email": candidate.email if candidate else "(deleted)",
            "code": final_code(store, session.id, slug) or {}, "best": max(scores, default=None), "count": len(subs)}


@router.get("/assessments/{assessment_id}/compare")
def compare_candidates(request: Request, assessment_id: IdPath, store: StoreDep, user: StaffUser, a: IdQuery,
                       b: IdQuery, challenge: str) -> Response:
    assessment = managed_assessment(store, assessment_id, user)
    if challenge not in assessment.challenges:
        raise HTTPException(404, "That challenge is not part of this assessment.")
    left, right = side(store, assessment, a, challenge), side(store, assessment, b, challenge)
    context = {"assessment": assessment, "challenge": challenge, "left": left, "right": right,
               "title": state_of(request).challenges.title(challenge), "mode": "compare",
               "diff": diff_files(left["code"], right["code"])}
    return render(request, "compare.html", context)


@router.get("/assessments/{assessment_id}/similarity")
def show_similarity(request: Request, assessment_id: IdPath, store: StoreDep, user: StaffUser, a: IdQuery,
                    b: IdQuery, challenge: str) -> Response:
    assessment = managed_assessment(store, assessment_id, user)
    if challenge not in assessment.challenges:
        raise HTTPException(404, "That challenge is not part of this assessment.")
    left, right = side(store, assessment, a, challenge), side(store, assessment, b, challenge)
    starter = starter_code(state_of(request).challenges, challenge)
    code_a, code_b = joined(left["code"]), joined(right["code"])
    fa, fb = fingerprint(code_a, ignore=starter), fingerprint(code_b, ignore=starter)
    left["lines"] = list(enumerate(code_a.splitlines(), 1))
    right["lines"] = list(enumerate(code_b.splitlines(), 1))
    left["shared"], right["shared"] = shared_lines(fa, fb), shared_lines(fb, fa)
    context = {"assessment": assessment, "challenge": challenge, "left": left, "right": right,
               "title": state_of(request).challenges.title(challenge), "mode": "similarity",
               "score": shared_share(fa, fb), "shared": len(fa.hashes.keys() & fb.hashes.keys()),
               "smaller": min(len(fa), len(fb)), "judgeable": judgeable(fa, fb), "minimum": MIN_FINGERPRINTS,
               "threshold": THRESHOLD}
    return render(request, "compare.html", context)
