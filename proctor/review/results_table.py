"""An assessment's results: one row per candidate, one column per challenge, plus similarity flags.

A challenge's score is the candidate's best graded submission in the session; the total is the sum over the
challenges (out of 100 per challenge). The same rows feed the page, the CSV and the JSON export.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from proctor.grading.packs import UnknownChallenge
from proctor.pipeline.lookup import ChallengeLookup
from proctor.review.similarity import (
    THRESHOLD,
    fingerprint,
    joined,
    shared_share,
    similarity,
)
from proctor.store import Store, reviews, sittings, snapshots, users
from proctor.store.assessments import Assessment
from proctor.store.database import now
from proctor.store.sittings import Sitting

SORT_KEYS = ("email", "total", "time", "status", "rating", "flags")


@dataclass
class Flag:
    challenge: str
    a: int  # session ids, a < b
    b: int
    score: float
    flagged: bool = True


@dataclass
class Row:
    session: Sitting
    email: str
    scores: dict[str, float | None]
    total: float
    seconds_used: float
    status: str
    rating: int | None
    flags: list[Flag] = field(default_factory=list)
    closest: Flag | None = None  # the most similar other candidate, flagged or not: a way into the similarity view

    def as_dict(self, challenges: list[str]) -> dict[str, Any]:
        return {"session": self.session.id, "email": self.email, "status": self.status,
                "started_at": self.session.started_at, "seconds_used": round(self.seconds_used),
                "scores": {c: self.scores.get(c) for c in challenges}, "total": self.total,
                "rating": self.rating, "flags": [{"challenge": f.challenge, "with": f.b if f.a == self.session.id
                                                  else f.a, "similarity": round(f.score, 3)} for f in self.flags]}


def session_status(session: Sitting, at: float) -> str:
    if session.status == "active":
        return "in progress" if at < session.deadline else "expired"
    return session.status


def seconds_used(session: Sitting, at: float) -> float:
    end = session.finished_at if session.finished_at is not None else min(at, session.deadline)
    return max(0.0, end - session.started_at)


def final_code(store: Store, session_id: int, challenge: str) -> dict[str, str] | None:
    """What a candidate ended with: the last submission, else the last draft."""
    subs = sittings.session_submissions(store, session_id=session_id, challenge=challenge)
    if subs:
        return subs[-1].files
    snap = snapshots.latest(store, sitting_id=session_id, challenge=challenge)
    return snap.files if snap else None


def starter_code(lookup: ChallengeLookup, challenge: str) -> str:
    try:
        files = lookup.get(challenge).starter_files()
    except (UnknownChallenge, ValueError):
        return ""
    return joined({k: v.decode("utf-8", "replace") for k, v in files.items()})


def similarity_flags(store: Store, lookup: ChallengeLookup, assessment: Assessment,
                     sessions: list[Sitting]) -> list[Flag]:
    return [p for p in similarity_pairs(store, lookup, assessment, sessions) if p.flagged]


def similarity_pairs(store: Store, lookup: ChallengeLookup, assessment: Assessment,
                     sessions: list[Sitting]) -> list[Flag]:
    """Every pair of candidates with code for a challenge; `score` is what the similarity view shows."""
    pairs = []
    for challenge in assessment.challenges:
        if lookup.kind(challenge) == "quiz":  # the same right answers are expected, not a sign of copying
            continue
        starter = starter_code(lookup, challenge)
        prints = {}
        for s in sessions:
            code = final_code(store, s.id, challenge)
            if code:
                prints[s.id] = fingerprint(joined(code), ignore=starter)
        for (a, fa), (b, fb) in itertools.combinations(sorted(prints.items()), 2):
            pairs.append(Flag(challenge, a, b, shared_share(fa, fb), similarity(fa, fb) >= THRESHOLD))
    return pairs


def build_rows(store: Store, lookup: ChallengeLookup, assessment: Assessment) -> tuple[list[Row], list[Flag]]:
    at = now()
    sessions = sittings.list_for_assessment(store, assessment_id=assessment.id)
    pairs = similarity_pairs(store, lookup, assessment, sessions)
    flags = [p for p in pairs if p.flagged]
    rows = []
    for s in sessions:
        user = users.get(store, user_id=s.user_id)
        scores: dict[str, float | None] = {}
        for challenge in assessment.challenges:
            graded = [x.score for x in sittings.session_submissions(store, session_id=s.id,
                                                                               challenge=challenge)
                      if x.status == "done" and x.score is not None]
            scores[challenge] = max(graded) if graded else None
        rows.append(Row(s, user.email if user else "(deleted)", scores,
                        sum(v for v in scores.values() if v is not None), seconds_used(s, at),
                        session_status(s, at), reviews.get(store, sitting_id=s.id).rating,
                        [f for f in flags if s.id in (f.a, f.b)],
                        max((p for p in pairs if s.id in (p.a, p.b)), key=lambda p: p.score, default=None)))
    return rows, flags


def filter_and_sort(rows: list[Row], *, q: str = "", status: str = "", flagged: bool = False,
                    sort: str = "email", descending: bool = False) -> list[Row]:
    picked = [r for r in rows if (not q or q.lower() in r.email) and (not status or r.status == status)
              and (not flagged or r.flags)]

    def key(r: Row) -> Any:
        if sort.startswith("score:"):
            value = r.scores.get(sort[6:])
            return (value is not None, value or 0)
        return {"email": r.email, "total": r.total, "time": r.seconds_used, "status": r.status,
                "rating": (r.rating is not None, r.rating or 0), "flags": len(r.flags)}.get(sort, r.email)

    return sorted(picked, key=key, reverse=descending)
