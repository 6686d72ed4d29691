"""Assessments: an interviewer's ordered set of challenges, with a time limit, a window and score visibility."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from proctor.store.database import Store, now

VISIBILITIES = ("during", "after", "never")


@dataclass(frozen=True)
class Assessment:
    id: int
    owner_id: int
    title: str
    intro: str
    challenges: list[str]
    time_limit_minutes: int
    opens_at: float | None
    closes_at: float | None
    score_visibility: str
    created_at: float
    updated_at: float

    def is_open(self, at: float) -> bool:
        return (self.opens_at is None or at >= self.opens_at) and (self.closes_at is None or at < self.closes_at)


def _assessment(row: sqlite3.Row | None) -> Assessment | None:
    if row is None:
        return None
    data = dict(row)
    data["challenges"] = json.loads(data["challenges"])
    return Assessment(**data)


def create(store: Store, *, owner_id: int, title: str, intro: str, challenges: list[str], time_limit_minutes: int,
           opens_at: float | None, closes_at: float | None, score_visibility: str) -> Assessment:
    if score_visibility not in VISIBILITIES:
        raise ValueError(f"unknown score visibility {score_visibility!r}")
    t = now()
    with store.write() as conn:
        cur = conn.execute(
            "INSERT INTO assessments (owner_id, title, intro, challenges, time_limit_minutes, opens_at, closes_at, "
            "score_visibility, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (owner_id, title, intro, json.dumps(challenges), time_limit_minutes, opens_at, closes_at,
             score_visibility, t, t))
        assessment_id = int(cur.lastrowid or 0)
    found = get(store, assessment_id=assessment_id)
    assert found is not None
    return found


def update(store: Store, *, assessment_id: int, title: str, intro: str, challenges: list[str],
           time_limit_minutes: int, opens_at: float | None, closes_at: float | None, score_visibility: str) -> None:
    if score_visibility not in VISIBILITIES:
        raise ValueError(f"unknown score visibility {score_visibility!r}")
    with store.write() as conn:
        conn.execute(
            "UPDATE assessments SET title = ?, intro = ?, challenges = ?, time_limit_minutes = ?, opens_at = ?, "
            "closes_at = ?, score_visibility = ?, updated_at = ? WHERE id = ?",
            (title, intro, json.dumps(challenges), time_limit_minutes, opens_at, closes_at, score_visibility, now(),
             assessment_id))


def get(store: Store, *, assessment_id: int) -> Assessment | None:
    return _assessment(store.read().execute("SELECT * FROM assessments WHERE id = ?", (assessment_id,)).fetchone())


def list_for(store: Store, *, owner_id: int | None) -> list[Assessment]:
    """An owner's assessments, newest first; owner_id=None lists everyone's (admins)."""
    if owner_id is None:
        rows = store.read().execute("SELECT * FROM assessments ORDER BY id DESC").fetchall()
    else:
        rows = store.read().execute("SELECT * FROM assessments WHERE owner_id = ? ORDER BY id DESC",
                                    (owner_id,)).fetchall()
    return [a for a in map(_assessment, rows) if a]


def set_challenges(store: Store, *, assessment_id: int, challenges: list[str]) -> None:
    """A new order (or set) of challenges; the caller checks each is allowed."""
    with store.write() as conn:
        conn.execute("UPDATE assessments SET challenges = ?, updated_at = ? WHERE id = ?",
                     (json.dumps(challenges), now(), assessment_id))
