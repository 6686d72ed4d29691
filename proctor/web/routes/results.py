"""An assessment's results table (sortable, filtered with htmx) and its CSV and JSON exports."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from proctor.review.quiz_results import quiz_breakdowns
from proctor.review.results_table import SORT_KEYS, build_rows, filter_and_sort
from proctor.web.access import managed_assessment
from proctor.web.deps import IdPath, StaffUser, StoreDep
from proctor.web.state import state_of
from proctor.web.templating import render

router = APIRouter(tags=["review"])
STATUSES = ("in progress", "finished", "expired")


@router.get("/assessments/{assessment_id}/results")
def show_results(request: Request, assessment_id: IdPath, store: StoreDep, user: StaffUser, q: str = "",
                 status: str = "", flagged: str = "", sort: str = "email", dir: str = "asc") -> Response:
    assessment = managed_assessment(store, assessment_id, user)
    lookup = state_of(request).challenges
    rows, flags = build_rows(store, lookup, assessment)
    if sort not in SORT_KEYS and not (sort.startswith("score:") and sort[6:] in assessment.challenges):
        sort = "email"
    shown = filter_and_sort(rows, q=q.strip(), status=status if status in STATUSES else "", flagged=bool(flagged),
                            sort=sort, descending=dir == "desc")
    context = {"assessment": assessment, "rows": shown, "total_rows": len(rows), "flags": flags,
               "titles": {s: lookup.title(s) for s in assessment.challenges}, "statuses": STATUSES,
               "filters": {"q": q, "status": status, "flagged": flagged, "sort": sort, "dir": dir},
               "emails": {r.session.id: r.email for r in rows},
               "quizzes": quiz_breakdowns(store, lookup, assessment, shown)}
    return render(request, "results.html", context, block="results_table")


@router.get("/assessments/{assessment_id}/results.json")
def export_results_json(request: Request, assessment_id: IdPath, store: StoreDep, user: StaffUser) -> Response:
    assessment = managed_assessment(store, assessment_id, user)
    rows, _ = build_rows(store, state_of(request).challenges, assessment)
    body = {"assessment": {"id": assessment.id, "title": assessment.title, "challenges": assessment.challenges,
                           "time_limit_minutes": assessment.time_limit_minutes},
            "candidates": [r.as_dict(assessment.challenges) for r in rows]}
    disposition = f'attachment; filename="assessment-{assessment.id}.json"'
    return JSONResponse(body, headers={"Content-Disposition": disposition})


@router.get("/assessments/{assessment_id}/results.csv")
def export_results_csv(request: Request, assessment_id: IdPath, store: StoreDep, user: StaffUser) -> Response:
    assessment = managed_assessment(store, assessment_id, user)
    rows, _ = build_rows(store, state_of(request).challenges, assessment)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "status", "seconds_used", *assessment.challenges, "total", "rating", "flags"])
    for r in rows:
        writer.writerow([safe_cell(r.email), r.status, round(r.seconds_used),
                         *["" if r.scores[c] is None else f"{r.scores[c]:g}" for c in assessment.challenges],
                         f"{r.total:g}", r.rating or "", len(r.flags)])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="assessment-{assessment.id}.csv"'})


def safe_cell(value: str) -> str:
    """Spreadsheets run a cell starting with = + - @ as a formula; a leading quote keeps it text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
