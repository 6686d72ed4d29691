"""The catalog: challenges grouped by guide section, filtered by topic, difficulty and status."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request, Response

from proctor.grading.packs import Challenge
from proctor.store import submissions
from proctor.web.deps import CatalogDep, OptionalUser, StoreDep
from proctor.web.sections import section_title
from proctor.web.templating import render

router = APIRouter(tags=["pages"])

DIFFICULTIES = ("easy", "medium", "hard")
STATUSES = {"not-started": "Not started", "attempted": "Attempted", "solved": "Solved"}
SOLVED_SCORE = 100.0


@dataclass
class Entry:
    challenge: Challenge
    best: float | None
    status: str


def status_of(best: float | None, attempted: bool) -> str:
    if best is not None and best >= SOLVED_SCORE:
        return "solved"
    return "attempted" if attempted or best is not None else "not-started"


@router.get("/")
def show_catalog(request: Request, store: StoreDep, catalog: CatalogDep, user: OptionalUser, topic: str = "",
                 difficulty: str = "", status: str = "") -> Response:
    best = submissions.best_scores(store, user_id=user.id) if user else {}
    tried = submissions.attempted(store, user_id=user.id) if user else set()
    all_challenges = catalog.all()
    topics = sorted({s for c in all_challenges for s in c.sections})
    groups: dict[int, list[Entry]] = {}
    for c in all_challenges:
        entry = Entry(c, best.get(c.slug), status_of(best.get(c.slug), c.slug in tried))
        if topic.isdigit() and int(topic) not in c.sections:
            continue
        if difficulty in DIFFICULTIES and c.difficulty != difficulty:
            continue
        if status in STATUSES and entry.status != status:
            continue
        groups.setdefault(min(c.sections), []).append(entry)
    context = {
        "groups": sorted(groups.items()), "topics": [(n, section_title(n)) for n in topics],
        "difficulties": DIFFICULTIES, "statuses": STATUSES,
        "filters": {"topic": topic, "difficulty": difficulty, "status": status},
        "total": len(all_challenges),
    }
    return render(request, "catalog.html", context, block="catalog_results")
