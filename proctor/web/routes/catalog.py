"""The catalog: challenges grouped by guide section, filtered by topic, difficulty, status and a text search."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from proctor.grading.packs import Catalog, Challenge
from proctor.store import practice
from proctor.web.deps import load_user, whole_number
from proctor.web.page_route import PageRoute
from proctor.web.sections import section_title
from proctor.web.state import state_of
from proctor.web.templating import render_cached

DIFFICULTIES = ("easy", "medium", "hard")
STATUSES = {"not-started": "Not started", "attempted": "Attempted", "solved": "Solved"}
SOLVED_SCORE = 100.0
MAX_SEARCH = 40  # characters: enough for a few words, and the page cache's keys stay short


@dataclass
class Entry:
    challenge: Challenge
    best: float | None
    status: str


def status_of(best: float | None, attempted: bool) -> str:
    if best is not None and best >= SOLVED_SCORE:
        return "solved"
    return "attempted" if attempted or best is not None else "not-started"


async def show_catalog(request: Request) -> Response:
    # A plain Starlette route, async, so its one indexed read runs on the event loop: FastAPI's dependency
    # solving and a threadpool hop each cost this busiest page more than its own work (docs/decisions.md).
    user = load_user(request)
    store, catalog = state_of(request).store, state_of(request).catalog
    tried = practice.catalog_state(store, user_id=user.id) if user else {}
    best = {slug: score for slug, score in tried.items() if score is not None}
    # An unknown filter value filters nothing, so it is dropped, which also keeps the page cache's keys to the
    # real combinations.
    query = request.query_params
    topic = query.get("topic", "")
    filters = {"topic": topic if whole_number(topic, maximum=999) is not None else "",
               "difficulty": query.get("difficulty", "") if query.get("difficulty") in DIFFICULTIES else "",
               "status": query.get("status", "") if query.get("status") in STATUSES else "",
               "q": normalise_search(query.get("q", ""))}
    key = ("catalog", id(catalog), tuple(filters.values()), tuple(sorted(tried.items())))
    return render_cached(request, "catalog.html", key, lambda: catalog_context(catalog, best, tried, filters),
                         block="catalog_results")


routes = [PageRoute("/", show_catalog)]


def normalise_search(text: str) -> str:
    """Lower case, single spaces, at most MAX_SEARCH characters: one cache key per distinct search."""
    return " ".join(text.lower().split())[:MAX_SEARCH].strip()


def matches(challenge: Challenge, search: str) -> bool:
    """Every word of the search appears in the title, slug, summary or a section's title."""
    haystack = " ".join([challenge.title, challenge.slug, challenge.summary,
                         *(f"§{n} {section_title(n)}" for n in challenge.sections)]).lower()
    return all(word in haystack for word in search.split())


def catalog_context(catalog: Catalog, best: dict[str, float], tried: dict[str, float | None],
                    filters: dict[str, str]) -> dict[str, object]:
    all_challenges = catalog.all()
    topics = sorted({s for c in all_challenges for s in c.sections})
    groups: dict[int, list[Entry]] = {}
    for c in all_challenges:
        entry = Entry(c, best.get(c.slug), status_of(best.get(c.slug), c.slug in tried))
        if filters["topic"].isdigit() and int(filters["topic"]) not in c.sections:
            continue
        if filters["difficulty"] in DIFFICULTIES and c.difficulty != filters["difficulty"]:
            continue
        if filters["status"] in STATUSES and entry.status != filters["status"]:
            continue
        if filters["q"] and not matches(c, filters["q"]):
            continue
        groups.setdefault(min(c.sections), []).append(entry)
    return {
        "groups": sorted(groups.items()), "topics": [(n, section_title(n)) for n in topics],
        "difficulties": DIFFICULTIES, "statuses": STATUSES, "filters": filters, "total": len(all_challenges),
    }
