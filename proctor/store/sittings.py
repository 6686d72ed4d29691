"""Timed assessment sessions: started from an invitation, locked at a deadline the server computed.

    session = sittings.start(store, invitation_id=i.id, user_id=u.id, time_limit_seconds=3600,
                                        closes_at=None)
    sittings.sweep(store)   # locks every session past its deadline, submitting its last drafts

Closing a session (by the candidate, or by the sweep once the deadline has passed) submits each challenge's
last snapshot unless that exact code was already submitted, in the same transaction that locks the session,
so nothing written is lost and nothing is submitted twice.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from proctor.store import submissions
from proctor.store.database import Store, now
from proctor.store.submissions import Submission


class CannotStart(Exception):
    """The invitation cannot start a session; the message is shown as is."""


@dataclass(frozen=True)
class Sitting:
    id: int
    assessment_id: int
    invitation_id: int
    user_id: int
    started_at: float
    deadline: float
    finished_at: float | None
    status: str

    def remaining(self, at: float) -> float:
        return max(0.0, self.deadline - at) if self.status == "active" else 0.0

    def open_at(self, at: float) -> bool:
        return self.status == "active" and at < self.deadline


@dataclass(frozen=True)
class Event:
    challenge: str | None
    kind: str
    at: float


@dataclass(frozen=True)
class Hold:
    """An active session that holds a challenge: practice on it is closed until `deadline`."""
    session_id: int
    title: str
    deadline: float


# The user's open session (started, before its deadline, not finished) whose assessment has the challenge.
HOLDING = ("FROM sittings s JOIN assessments a ON a.id = s.assessment_id "
           "WHERE s.user_id = :user AND s.status = 'active' AND s.deadline > :now "
           "AND EXISTS (SELECT 1 FROM json_each(a.challenges) WHERE value = :challenge) "
           "ORDER BY s.deadline DESC LIMIT 1")


def holding(store: Store, *, user_id: int, challenge: str) -> Hold | None:
    """The session that closes practice on `challenge` for this user, if any."""
    row = store.read().execute(f"SELECT s.id, a.title, s.deadline {HOLDING}",
                               {"user": user_id, "challenge": challenge, "now": now()}).fetchone()
    return Hold(row[0], row[1], row[2]) if row else None


def _session(row: sqlite3.Row | None) -> Sitting | None:
    return Sitting(**dict(row)) if row else None


def start(store: Store, *, invitation_id: int, user_id: int, time_limit_seconds: float,
          closes_at: float | None) -> Sitting:
    """Use the invitation (once) and start the clock; the deadline never passes the window's close."""
    t = now()
    deadline = t + time_limit_seconds if closes_at is None else min(t + time_limit_seconds, closes_at)
    with store.write() as conn:
        row = conn.execute("SELECT * FROM invitations WHERE id = ?", (invitation_id,)).fetchone()
        if row is None or row["revoked_at"] is not None:
            raise CannotStart("This invitation was revoked.")
        if row["used_at"] is not None:
            raise CannotStart("This invitation has already been used.")
        if t >= row["expires_at"]:
            raise CannotStart("This invitation has expired.")
        if conn.execute("SELECT 1 FROM sittings WHERE assessment_id = ? AND user_id = ?",
                        (row["assessment_id"], user_id)).fetchone():
            raise CannotStart("You have already taken this assessment.")
        conn.execute("UPDATE invitations SET used_at = ?, used_by = ? WHERE id = ?", (t, user_id, invitation_id))
        cur = conn.execute(
            "INSERT INTO sittings (assessment_id, invitation_id, user_id, started_at, deadline) "
            "VALUES (?, ?, ?, ?, ?)", (row["assessment_id"], invitation_id, user_id, t, deadline))
        session_id = int(cur.lastrowid or 0)
        conn.execute("INSERT INTO sitting_events (sitting_id, challenge, kind, at) VALUES (?, NULL, ?, ?)",
                     (session_id, "started", t))
    found = get(store, session_id=session_id)
    assert found is not None
    return found


def get(store: Store, *, session_id: int, user_id: int | None = None) -> Sitting | None:
    """One session; with user_id, only if it is that candidate's (callers answer 404 otherwise)."""
    sql, args = "SELECT * FROM sittings WHERE id = ?", [session_id]
    if user_id is not None:
        sql, args = sql + " AND user_id = ?", [session_id, user_id]
    return _session(store.read().execute(sql, args).fetchone())


def for_invitation(store: Store, *, invitation_id: int) -> Sitting | None:
    row = store.read().execute("SELECT * FROM sittings WHERE invitation_id = ?",
                               (invitation_id,)).fetchone()
    return _session(row)


def list_for_assessment(store: Store, *, assessment_id: int) -> list[Sitting]:
    rows = store.read().execute("SELECT * FROM sittings WHERE assessment_id = ? ORDER BY id",
                                (assessment_id,)).fetchall()
    return [s for s in map(_session, rows) if s]


def list_for_user(store: Store, *, user_id: int) -> list[Sitting]:
    rows = store.read().execute("SELECT * FROM sittings WHERE user_id = ? ORDER BY id DESC",
                                (user_id,)).fetchall()
    return [s for s in map(_session, rows) if s]


def record_event(store: Store, *, session_id: int, challenge: str | None, kind: str, once: bool = False) -> None:
    """A timeline entry; with once=True only the first of its kind per challenge (e.g. "opened")."""
    with store.write() as conn:
        if once and conn.execute(
                "SELECT 1 FROM sitting_events WHERE sitting_id = ? AND challenge IS ? AND kind = ?",
                (session_id, challenge, kind)).fetchone():
            return
        conn.execute("INSERT INTO sitting_events (sitting_id, challenge, kind, at) VALUES (?, ?, ?, ?)",
                     (session_id, challenge, kind, now()))


def events(store: Store, *, session_id: int) -> list[Event]:
    rows = store.read().execute("SELECT challenge, kind, at FROM sitting_events WHERE sitting_id = ? "
                                "ORDER BY at, id", (session_id,)).fetchall()
    return [Event(r["challenge"], r["kind"], r["at"]) for r in rows]


def session_submissions(store: Store, *, session_id: int, challenge: str | None = None,
                        suite: str | None = "hidden") -> list[Submission]:
    """A session's submissions, oldest first."""
    sql = "SELECT * FROM submissions WHERE sitting_id = ?"
    args: list[object] = [session_id]
    if challenge is not None:
        sql, args = sql + " AND challenge = ?", [*args, challenge]
    if suite is not None:
        sql, args = sql + " AND suite = ?", [*args, suite]
    rows = store.read().execute(sql + " ORDER BY id", args).fetchall()
    return [s for s in map(submissions._submission, rows) if s]


def close(store: Store, *, session_id: int, status: str = "finished") -> list[int]:
    """Lock the session and submit every challenge's last unsubmitted draft; the ids of those submissions.

    Only an active session closes (so a second call does nothing). `status` is "finished" when the candidate
    ends it, "expired" when the deadline did.
    """
    t = now()
    created: list[int] = []
    with store.write() as conn:
        row = conn.execute("SELECT s.*, a.challenges FROM sittings s JOIN assessments a "
                           "ON a.id = s.assessment_id WHERE s.id = ? AND s.status = 'active'",
                           (session_id,)).fetchone()
        if row is None:
            return []
        for challenge in json.loads(row["challenges"]):
            snap = conn.execute("SELECT files FROM snapshots WHERE sitting_id = ? AND challenge = ? "
                                "ORDER BY id DESC LIMIT 1", (session_id, challenge)).fetchone()
            if snap is None:
                continue
            last = conn.execute("SELECT files FROM submissions WHERE sitting_id = ? AND challenge = ? "
                                "AND suite = 'hidden' ORDER BY id DESC LIMIT 1", (session_id, challenge)).fetchone()
            files = json.loads(snap["files"])
            if last is not None and json.loads(last["files"]) == files:
                continue
            created.append(submissions.insert(conn, user_id=row["user_id"], challenge=challenge, suite="hidden",
                                              files=files, per_minute=None, sitting_id=session_id))
            conn.execute("INSERT INTO sitting_events (sitting_id, challenge, kind, at) "
                         "VALUES (?, ?, 'auto-submitted', ?)", (session_id, challenge, t))
        # An expired session ends at its deadline, whenever the sweep noticed.
        finished_at = min(t, row["deadline"]) if status == "expired" else t
        conn.execute("UPDATE sittings SET status = ?, finished_at = ? WHERE id = ?",
                     (status, finished_at, session_id))
        conn.execute("INSERT INTO sitting_events (sitting_id, challenge, kind, at) VALUES (?, NULL, ?, ?)",
                     (session_id, status, finished_at))
    return created


def due(store: Store) -> list[int]:
    rows = store.read().execute("SELECT id FROM sittings WHERE status = 'active' AND deadline <= ?",
                                (now(),)).fetchall()
    return [int(r[0]) for r in rows]


def sweep(store: Store) -> list[int]:
    """Close every session past its deadline (browser open or not); the submissions this queued."""
    created: list[int] = []
    for session_id in due(store):
        created += close(store, session_id=session_id, status="expired")
    return created


def move_deadline(store: Store, *, session_id: int, deadline: float) -> None:
    """For tests and operators: set the deadline (e.g. into the past, to check the sweep)."""
    with store.write() as conn:
        conn.execute("UPDATE sittings SET deadline = ? WHERE id = ?", (deadline, session_id))
