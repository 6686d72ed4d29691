"""Submissions and the grading queue.

A submission is stored `queued` before anything runs. A worker `claim`s it with a lease (a token and an
expiry it keeps renewing); every later write is guarded by that token, so when a lease expires and another
worker takes over, the first worker's late result is refused and the result is recorded exactly once.
"""

from __future__ import annotations

import json
import math
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

from proctor.store.database import Store, now

IN_FLIGHT = ("queued", "running")


class RateLimited(Exception):
    """Refused before anything was stored; the message is shown to the user as is, and `retry_after` is the
    number of seconds after which the same request may pass."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AlreadySubmitted(Exception):
    """A once-only item (a quiz in a timed session) already has its submission; nothing was stored."""


@dataclass(frozen=True)
class Submission:
    id: int
    user_id: int
    challenge: str
    suite: str
    files: dict[str, str]
    status: str
    created_at: float
    started_at: float | None
    finished_at: float | None
    lease_token: str | None
    lease_until: float | None
    not_before: float
    attempts: int
    progress: dict[str, Any] | None
    result: dict[str, Any] | None
    result_status: str | None
    score: float | None
    sitting_id: int | None = None  # set for a timed assessment's submissions
    client_address: str | None = None  # who sent it, for the per-address cap; None for automatic ones

    @property
    def finished(self) -> bool:
        return self.status == "done"

    @property
    def retrying(self) -> bool:
        """Back in the queue, waiting out a delay after a grading failure that was not the code's fault."""
        return self.status == "queued" and self.attempts > 0 and self.not_before > now()


def _submission(row: sqlite3.Row | None) -> Submission | None:
    if row is None:
        return None
    data = dict(row)
    data["files"] = json.loads(data["files"])
    for key in ("progress", "result"):
        data[key] = json.loads(data[key]) if data[key] else None
    return Submission(**data)


@dataclass(frozen=True)
class QueueLimits:
    """What one request may add to the queue: `per_minute` submissions a user, and in flight (queued or running)
    at most `per_address` from one client address and `total` overall. A user has one in flight at a time."""

    per_minute: int = 10
    per_address: int = 20
    total: int = 1000


def create(store: Store, *, user_id: int, challenge: str, suite: str, files: dict[str, str],
           per_minute: int = 10, sitting_id: int | None = None, once: bool = False,
           limits: QueueLimits | None = None, client_address: str | None = None) -> Submission:
    """Queue a submission, or raise RateLimited: one in flight per user, `per_minute` a minute, and with `limits`
    (whose per_minute then counts instead) the queue's caps per client address and overall."""
    with store.write() as conn:
        submission_id = insert(conn, user_id=user_id, challenge=challenge, suite=suite, files=files,
                               per_minute=limits.per_minute if limits else per_minute,
                               sitting_id=sitting_id, once=once, limits=limits,
                               client_address=client_address)
    found = get(store, submission_id=submission_id)
    assert found is not None
    return found


def insert(conn: sqlite3.Connection, *, user_id: int, challenge: str, suite: str, files: dict[str, str],
           per_minute: int | None, sitting_id: int | None = None, once: bool = False,
           limits: QueueLimits | None = None, client_address: str | None = None) -> int:
    """The insert inside the caller's transaction; per_minute=None skips the limits (the deadline sweep: a
    candidate's last draft is submitted whatever the queue holds).
    once: refuse (AlreadySubmitted) if the session already has a submission for this challenge, checked in the
    same transaction so two simultaneous requests cannot both pass."""
    t = now()
    if once and conn.execute("SELECT 1 FROM submissions WHERE sitting_id = ? AND challenge = ?",
                             (sitting_id, challenge)).fetchone():
        raise AlreadySubmitted(challenge)
    if per_minute is not None:
        in_flight = conn.execute("SELECT count(*) FROM submissions WHERE user_id = ? AND status IN (?, ?)",
                                 (user_id, *IN_FLIGHT)).fetchone()[0]
        if in_flight:
            # A grading takes about a second; the panel shows when it ends.
            raise RateLimited("You already have a submission being graded. Wait for its result, then try again.",
                              retry_after=1)
        recent, oldest = conn.execute("SELECT count(*), min(created_at) FROM submissions "
                                      "WHERE user_id = ? AND created_at > ?", (user_id, t - 60)).fetchone()
        if recent >= per_minute:
            raise RateLimited(f"You can send at most {per_minute} submissions a minute. Wait a moment, then try again.",
                              retry_after=max(1, math.ceil(oldest + 60 - t)))
        if limits is not None:
            check_queue(conn, limits, client_address)
    cur = conn.execute(
        "INSERT INTO submissions (user_id, challenge, suite, files, status, created_at, sitting_id, "
        "client_address) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (user_id, challenge, suite, json.dumps(files), "queued", t, sitting_id, client_address))
    return int(cur.lastrowid or 0)


def check_queue(conn: sqlite3.Connection, limits: QueueLimits, client_address: str | None) -> None:
    """RateLimited when one address (many throwaway accounts) or everyone together has too much in flight."""
    if client_address is not None:
        # Literal statuses, so SQLite can use the partial index submissions_address_in_flight.
        from_address = conn.execute("SELECT count(*) FROM submissions WHERE client_address = ? "
                                    "AND status IN ('queued', 'running')", (client_address,)).fetchone()[0]
        if from_address >= limits.per_address:
            raise RateLimited(f"{from_address} submissions from your network address are waiting to be graded. "
                              "Wait for some of them to finish, then try again.", retry_after=10)
    total = conn.execute("SELECT count(*) FROM submissions WHERE status IN (?, ?)", IN_FLIGHT).fetchone()[0]
    if total >= limits.total:
        raise RateLimited("The grading queue is full just now. Try again in a minute.", retry_after=60)


def get(store: Store, *, submission_id: int, user_id: int | None = None) -> Submission | None:
    """One submission; with user_id, only if that user owns it (callers answer 404 otherwise)."""
    sql, args = "SELECT * FROM submissions WHERE id = ?", [submission_id]
    if user_id is not None:
        # A user's own view is practice only: an assessment's scores may be hidden from its candidate.
        sql, args = sql + " AND user_id = ? AND sitting_id IS NULL", [submission_id, user_id]
    return _submission(store.read().execute(sql, args).fetchone())


DUE = ("SELECT id FROM submissions WHERE (status = 'queued' AND not_before <= :t) "
       "OR (status = 'running' AND lease_until < :t) LIMIT 1")

# Which due submission goes next, so no user's backlog delays anyone else's next one: an assessment's before
# practice; then the user with the fewest being graded; then each user's own first (their `turn`); then the
# user served longest ago (never served first); then the oldest. A due one is queued, or running under a lease
# nobody renewed (its worker died).
NEXT = """
WITH due AS (
    SELECT id, user_id, sitting_id,
           row_number() OVER (PARTITION BY user_id ORDER BY sitting_id IS NULL, id) AS turn
    FROM submissions
    WHERE (status = 'queued' AND not_before <= :t) OR (status = 'running' AND lease_until < :t)
), busy AS (
    SELECT user_id, count(*) AS running FROM submissions
    WHERE status = 'running' AND lease_until >= :t GROUP BY user_id
)
SELECT due.id FROM due LEFT JOIN busy USING (user_id)
ORDER BY due.sitting_id IS NULL, coalesce(busy.running, 0), due.turn,
         (SELECT max(started_at) FROM submissions s WHERE s.user_id = due.user_id), due.id
LIMIT 1
"""


def claim(store: Store, *, lease_seconds: float) -> Submission | None:
    """Take the next due submission (see NEXT: fair between users, assessments first)."""
    t = now()
    # Workers poll this while idle; a read on the reader connection says whether there is anything to take,
    # without the write lock and its transaction (their cost showed in the page latency: docs/performance.md).
    if store.read().execute(DUE, {"t": t}).fetchone() is None:
        return None
    token = secrets.token_hex(16)
    with store.write() as conn:
        row = conn.execute(NEXT, {"t": t}).fetchone()
        if row is None:
            return None
        conn.execute(
            "UPDATE submissions SET status = 'running', lease_token = ?, lease_until = ?, started_at = ?, "
            "attempts = attempts + 1, progress = NULL WHERE id = ?", (token, t + lease_seconds, t, row[0]))
        return _submission(conn.execute("SELECT * FROM submissions WHERE id = ?", (row[0],)).fetchone())


def _guarded(store: Store, sql: str, args: tuple[Any, ...], submission_id: int, token: str) -> bool:
    with store.write() as conn:
        cur = conn.execute(sql + " WHERE id = ? AND status = 'running' AND lease_token = ?",
                           (*args, submission_id, token))
        return cur.rowcount == 1


def renew(store: Store, *, submission_id: int, token: str, lease_seconds: float) -> bool:
    return _guarded(store, "UPDATE submissions SET lease_until = ?", (now() + lease_seconds,), submission_id, token)


def record_progress(store: Store, *, submission_id: int, token: str, progress: dict[str, Any]) -> bool:
    return _guarded(store, "UPDATE submissions SET progress = ?", (json.dumps(progress),), submission_id, token)


def finish(store: Store, *, submission_id: int, token: str, result: dict[str, Any], result_status: str,
           score: float | None) -> bool:
    """Record the result; False when the lease was lost (another worker owns it now)."""
    return _guarded(
        store, "UPDATE submissions SET status = 'done', result = ?, result_status = ?, score = ?, finished_at = ?, "
        "lease_token = NULL, lease_until = NULL",
        (json.dumps(result), result_status, score, now()), submission_id, token)


def retry_later(store: Store, *, submission_id: int, token: str, delay_seconds: float) -> bool:
    """Put it back in the queue after a failure that is not the code's fault; nothing is recorded."""
    return _guarded(
        store, "UPDATE submissions SET status = 'queued', lease_token = NULL, lease_until = NULL, not_before = ?, "
        "progress = NULL", (now() + delay_seconds,), submission_id, token)


def release(store: Store, *, submission_id: int, token: str) -> bool:
    """Hand it back untouched (the server is stopping); its next claim grades it from the start."""
    return retry_later(store, submission_id=submission_id, token=token, delay_seconds=0)


# The queued ones that NEXT takes before a submission of class :practice at its user's :turn, roughly: an
# assessment's before practice, then by each user's turn (who was served last is left out: among equal turns
# the older goes first). One pass over the queued rows.
AHEAD = """
SELECT count(*) FROM (
    SELECT id, sitting_id IS NULL AS practice,
           row_number() OVER (PARTITION BY user_id ORDER BY sitting_id IS NULL, id) AS turn
    FROM submissions WHERE status = 'queued'
) WHERE id != :id AND (practice < :practice OR (practice = :practice
        AND (turn < :turn OR (turn = :turn AND id < :id))))
"""


def queue_position(store: Store, *, submission: Submission) -> int:
    """1 for the next one to be graded (in the fair order of `claim`, approximately)."""
    practice = int(submission.sitting_id is None)
    conn = store.read()
    turn = conn.execute("SELECT count(*) FROM submissions WHERE user_id = :user AND status = 'queued' "
                        "AND ((sitting_id IS NULL) < :practice "
                        "OR ((sitting_id IS NULL) = :practice AND id <= :id))",
                        {"user": submission.user_id, "practice": practice, "id": submission.id}).fetchone()[0]
    ahead = conn.execute(AHEAD, {"id": submission.id, "practice": practice, "turn": turn}).fetchone()[0]
    return int(ahead) + 1


def list_for(store: Store, *, user_id: int, challenge: str | None = None, suite: str | None = "hidden",
             limit: int = 100) -> list[Submission]:
    sql = "SELECT * FROM submissions WHERE user_id = ? AND sitting_id IS NULL"
    args: list[object] = [user_id]
    if challenge is not None:
        sql, args = sql + " AND challenge = ?", [*args, challenge]
    if suite is not None:
        sql, args = sql + " AND suite = ?", [*args, suite]
    rows = store.read().execute(sql + " ORDER BY id DESC LIMIT ?", [*args, limit]).fetchall()
    return [s for s in map(_submission, rows) if s]


def previous(store: Store, *, submission: Submission) -> Submission | None:
    row = store.read().execute(
        "SELECT * FROM submissions WHERE user_id = ? AND challenge = ? AND suite = ? AND id < ? "
        "AND sitting_id IS ? ORDER BY id DESC LIMIT 1",
        (submission.user_id, submission.challenge, submission.suite, submission.id,
         submission.sitting_id)).fetchone()
    return _submission(row)


def best_scores(store: Store, *, user_id: int) -> dict[str, float]:
    """Best recorded score per challenge; examples runs are never scores."""
    rows = store.read().execute(
        "SELECT challenge, max(score) FROM submissions WHERE user_id = ? AND suite = 'hidden' AND status = 'done' "
        "AND score IS NOT NULL AND sitting_id IS NULL GROUP BY challenge", (user_id,)).fetchall()
    return {r[0]: float(r[1]) for r in rows}


def status_counts(store: Store) -> dict[str, int]:
    rows = store.read().execute("SELECT status, count(*) FROM submissions GROUP BY status").fetchall()
    return {r[0]: int(r[1]) for r in rows}
