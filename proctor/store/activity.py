"""What a candidate's browser reports during a timed session: large pastes and leaving the tab.

    activity.record(store, sitting_id=7, challenge="hello-route", kind="paste", chars=412)
    activity.list_for(store, sitting_id=7, challenge="hello-route")

The browser sends these, so they are hints for the interviewer, not proof: a candidate can always stay silent.
What it can't do is fill the disk: a session keeps at most MAX_PER_SESSION events, and takes at most
PER_MINUTE a minute.
"""

from __future__ import annotations

from dataclasses import dataclass

from proctor.store.database import Store, now

KINDS = ("paste", "left", "returned")
MAX_PER_SESSION = 500
PER_MINUTE = 30
MAX_CHARS = 10_000_000


class TooFast(Exception):
    """More than PER_MINUTE events from one session in the last minute."""


@dataclass(frozen=True)
class Activity:
    challenge: str
    kind: str
    chars: int | None
    at: float


def record(store: Store, *, sitting_id: int, challenge: str, kind: str, chars: int | None = None) -> bool:
    """Store one event; False when the session already holds MAX_PER_SESSION (later ones are dropped)."""
    if kind not in KINDS:
        raise ValueError(f"unknown activity {kind!r}")
    if chars is not None:
        chars = max(0, min(chars, MAX_CHARS))
    at = now()
    with store.write() as conn:
        total, recent = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE at > ?) FROM sitting_activity WHERE sitting_id = ?",
            (at - 60, sitting_id)).fetchone()
        if recent >= PER_MINUTE:
            raise TooFast
        if total >= MAX_PER_SESSION:
            return False
        conn.execute("INSERT INTO sitting_activity (sitting_id, challenge, kind, chars, at) "
                     "VALUES (?, ?, ?, ?, ?)", (sitting_id, challenge, kind, chars, at))
    return True


def list_for(store: Store, *, sitting_id: int, challenge: str) -> list[Activity]:
    rows = store.read().execute(
        "SELECT challenge, kind, chars, at FROM sitting_activity WHERE sitting_id = ? AND challenge = ? "
        "ORDER BY id", (sitting_id, challenge)).fetchall()
    return [Activity(r["challenge"], r["kind"], r["chars"], r["at"]) for r in rows]
