"""What a candidate's practice page for one challenge shows, read in one statement.

The challenge page is the busiest page a candidate opens, and its rendering is cached on these values
(proctor.web.templating.PageCache), so they are read raw: the draft's JSON text and the latest submission's id
and status, with no parsing until the page is actually rendered.
"""

from __future__ import annotations

from dataclasses import dataclass

from proctor.store.database import Store, now
from proctor.store.sittings import HOLDING, Hold

# Practice only: an assessment's submissions are not part of a candidate's own history.
# A custom request is not a run of the code's tests: it has its own panel (routes/custom_requests.py).
_LATEST = ("FROM submissions WHERE user_id = :user AND challenge = :challenge AND sitting_id IS NULL "
           "AND suite != 'request' ORDER BY id DESC LIMIT 1")


@dataclass(frozen=True)
class PracticeState:
    draft_json: str | None  # the saved draft, as stored
    latest_id: int | None  # the latest submission of either suite
    latest_status: str | None
    best: float | None  # the best recorded score (hidden suite, finished)
    hold: Hold | None = None  # an assessment the user is sitting now closes practice on this challenge


def state(store: Store, *, user_id: int, challenge: str) -> PracticeState:
    row = store.read().execute(
        "SELECT (SELECT files FROM drafts WHERE user_id = :user AND challenge = :challenge), "
        f"(SELECT id {_LATEST}), (SELECT status {_LATEST}), "
        "(SELECT max(score) FROM submissions WHERE user_id = :user AND challenge = :challenge AND suite = 'hidden' "
        "AND status = 'done' AND score IS NOT NULL AND sitting_id IS NULL), "
        f"(SELECT s.id {HOLDING}), (SELECT a.title {HOLDING}), (SELECT s.deadline {HOLDING})",
        {"user": user_id, "challenge": challenge, "now": now()}).fetchone()
    hold = Hold(row[4], row[5], row[6]) if row[4] is not None else None
    return PracticeState(row[0], row[1], row[2], float(row[3]) if row[3] is not None else None, hold)


def catalog_state(store: Store, *, user_id: int) -> dict[str, float | None]:
    """Each challenge the user has submitted for practice, with the best recorded score (None before one)."""
    rows = store.read().execute(
        "SELECT challenge, max(CASE WHEN status = 'done' THEN score END) FROM submissions "
        "WHERE user_id = ? AND suite = 'hidden' AND sitting_id IS NULL GROUP BY challenge",
        (user_id,)).fetchall()
    return {r[0]: float(r[1]) if r[1] is not None else None for r in rows}
