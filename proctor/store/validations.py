"""Validation jobs: checking an authored pack (5-8 gradings) in the grading workers, never in a request.

Saving a pack stores it unvalidated and `enqueue`s a job holding the saved files. A worker `claim`s a job with a
lease, exactly like a submission (store/submissions.py): every later write is guarded by the lease token, so
when a worker dies its job is taken over (once: a second lost lease ends the job with a problem) and the verdict
is recorded exactly once. At most one job per interviewer runs at a time. Saving again while a job waits
replaces it (latest wins): only the newest saved files are worth checking, and only the newest job's verdict is
copied to the pack. Old jobs are deleted then, so the table holds at most two rows per pack.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

from proctor.store.database import Store, now

MAX_ATTEMPTS = 2  # a job whose worker died is tried once more
GAVE_UP = "Validation stopped twice on the platform side, not because of the pack. Save again to retry."

# The oldest job that is queued or whose lease nobody renewed, of an interviewer with no other job running.
DUE = ("SELECT id, attempts FROM pack_validations v WHERE (status = 'queued' OR (status = 'running' AND "
       "lease_until < ?)) AND NOT EXISTS (SELECT 1 FROM pack_validations r WHERE r.owner_id = v.owner_id "
       "AND r.id != v.id AND r.status = 'running' AND r.lease_until >= ?) ORDER BY id LIMIT 1")


@dataclass(frozen=True)
class Validation:
    id: int
    slug: str
    owner_id: int
    files: dict[str, str]
    optional: list[str]  # problems that start like these are not problems here (optional parts of the form)
    status: str
    progress: dict[str, Any] | None
    problems: list[str] | None
    attempts: int
    lease_token: str | None
    lease_until: float | None
    created_at: float
    finished_at: float | None

    @property
    def finished(self) -> bool:
        return self.status == "done"


def _validation(row: sqlite3.Row | None) -> Validation | None:
    if row is None:
        return None
    data = dict(row)
    for key in ("files", "optional", "progress", "problems"):
        data[key] = json.loads(data[key]) if data[key] else None
    data["optional"] = data["optional"] or []
    return Validation(**data)


def enqueue(store: Store, *, slug: str, owner_id: int, files: dict[str, str], optional: list[str]) -> int:
    """Queue a check of these files, replacing a job of the same pack that has not started, and dropping its
    finished ones: a pack keeps at most a running job and a queued one, however often it is saved."""
    with store.write() as conn:
        conn.execute("DELETE FROM pack_validations WHERE slug = ? AND status != 'running'", (slug,))
        cur = conn.execute("INSERT INTO pack_validations (slug, owner_id, files, optional, created_at) "
                           "VALUES (?, ?, ?, ?, ?)", (slug, owner_id, json.dumps(files), json.dumps(optional), now()))
        return int(cur.lastrowid or 0)


def latest(store: Store, *, slug: str) -> Validation | None:
    """The newest job of a pack (the one its page shows), or None for a pack never checked this way."""
    return _validation(store.read().execute(
        "SELECT * FROM pack_validations WHERE slug = ? ORDER BY id DESC LIMIT 1",
        (slug,)).fetchone())


def get(store: Store, *, validation_id: int) -> Validation | None:
    return _validation(store.read().execute("SELECT * FROM pack_validations WHERE id = ?",
                                            (validation_id,)).fetchone())


def claim(store: Store, *, lease_seconds: float) -> Validation | None:
    """Take the oldest due job; a job whose lease ran out for the last time is ended with GAVE_UP instead."""
    t = now()
    if store.read().execute(DUE, (t, t)).fetchone() is None:
        return None
    token = secrets.token_hex(16)
    with store.write() as conn:
        while True:
            row = conn.execute(DUE, (t, t)).fetchone()
            if row is None:
                return None
            if row[1] < MAX_ATTEMPTS:
                break
            _record(conn, row[0], [GAVE_UP])
        conn.execute("UPDATE pack_validations SET status = 'running', lease_token = ?, lease_until = ?, "
                     "attempts = attempts + 1, progress = NULL WHERE id = ?", (token, t + lease_seconds, row[0]))
        return _validation(conn.execute("SELECT * FROM pack_validations WHERE id = ?", (row[0],)).fetchone())


def _guarded(store: Store, sql: str, args: tuple[Any, ...], validation_id: int, token: str) -> bool:
    with store.write() as conn:
        cur = conn.execute(sql + " WHERE id = ? AND status = 'running' AND lease_token = ?",
                           (*args, validation_id, token))
        return cur.rowcount == 1


def renew(store: Store, *, validation_id: int, token: str, lease_seconds: float) -> bool:
    return _guarded(store, "UPDATE pack_validations SET lease_until = ?", (now() + lease_seconds,),
                    validation_id, token)


def record_progress(store: Store, *, validation_id: int, token: str, progress: dict[str, Any]) -> bool:
    return _guarded(store, "UPDATE pack_validations SET progress = ?", (json.dumps(progress),), validation_id, token)


def release(store: Store, *, validation_id: int, token: str) -> bool:
    """Hand it back untouched (the server is stopping); the next claim starts it again."""
    return _guarded(store, "UPDATE pack_validations SET status = 'queued', lease_token = NULL, lease_until = NULL, "
                    "progress = NULL, attempts = attempts - 1", (), validation_id, token)


def finish(store: Store, *, validation_id: int, token: str, problems: list[str]) -> bool:
    """Record the verdict; False when the lease was lost (another worker owns the job now)."""
    with store.write() as conn:
        owned = conn.execute("SELECT 1 FROM pack_validations WHERE id = ? AND status = 'running' AND "
                             "lease_token = ?", (validation_id, token)).fetchone()
        if owned is None:
            return False
        _record(conn, validation_id, problems)
        return True


def _record(conn: sqlite3.Connection, validation_id: int, problems: list[str]) -> None:
    """End the job; when it is its pack's newest, the verdict becomes the pack's."""
    t = now()
    conn.execute("UPDATE pack_validations SET status = 'done', problems = ?, finished_at = ?, lease_token = NULL, "
                 "lease_until = NULL WHERE id = ?", (json.dumps(problems), t, validation_id))
    slug = conn.execute("SELECT slug FROM pack_validations WHERE id = ?", (validation_id,)).fetchone()[0]
    newest = conn.execute("SELECT max(id) FROM pack_validations WHERE slug = ?", (slug,)).fetchone()[0]
    if newest == validation_id:
        conn.execute("UPDATE authored_challenges SET problems = ?, validated_at = ? WHERE slug = ?",
                     (json.dumps(problems), None if problems else t, slug))


def running_count(store: Store, *, owner_id: int) -> int:
    """How many of an interviewer's jobs hold a live lease (never more than one)."""
    return int(store.read().execute("SELECT count(*) FROM pack_validations WHERE owner_id = ? AND status = "
                                    "'running' AND lease_until >= ?", (owner_id, now())).fetchone()[0])
