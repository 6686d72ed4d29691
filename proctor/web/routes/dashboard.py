"""The dashboard: mastery per topic, challenges solved, recent activity."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from markupsafe import Markup

from proctor.store import submissions
from proctor.web.deps import CatalogDep, CurrentUser, StoreDep
from proctor.web.mastery import mastery_svg, topic_mastery
from proctor.web.templating import render

router = APIRouter(tags=["pages"])


@router.get("/dashboard")
def show_dashboard(request: Request, store: StoreDep, catalog: CatalogDep, user: CurrentUser) -> Response:
    best = submissions.best_scores(store, user_id=user.id)
    challenges = catalog.all()
    rows = topic_mastery(challenges, best)
    titles = {c.slug: c.title for c in challenges}
    context = {
        "chart": Markup(mastery_svg(rows)), "rows": rows,
        "solved": sum(1 for c in challenges if best.get(c.slug, 0) >= 100), "total": len(challenges),
        "recent": submissions.list_for(store, user_id=user.id, suite=None, limit=10), "titles": titles,
    }
    return render(request, "dashboard.html", context, block="activity")
