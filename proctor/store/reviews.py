"""Interviewers' notes and 1–5 rating on one candidate's session. Candidates never read this table."""

from __future__ import annotations

from dataclasses import dataclass

from proctor.store.database import Store, now


@dataclass(frozen=True)
class Review:
    notes: str
    rating: int | None
    reviewer_id: int | None
    updated_at: float | None


EMPTY = Review("", None, None, None)


def get(store: Store, *, sitting_id: int) -> Review:
    row = store.read().execute("SELECT notes, rating, reviewer_id, updated_at FROM reviews "
                               "WHERE sitting_id = ?", (sitting_id,)).fetchone()
    return Review(row["notes"], row["rating"], row["reviewer_id"], row["updated_at"]) if row else EMPTY


def save(store: Store, *, sitting_id: int, reviewer_id: int, notes: str, rating: int | None) -> None:
    if rating is not None and not 1 <= rating <= 5:
        raise ValueError("a rating is 1 to 5")
    with store.write() as conn:
        conn.execute(
            "INSERT INTO reviews (sitting_id, reviewer_id, notes, rating, updated_at) "
            "VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (sitting_id) DO UPDATE SET reviewer_id = excluded.reviewer_id, "
            "notes = excluded.notes, rating = excluded.rating, updated_at = excluded.updated_at",
            (sitting_id, reviewer_id, notes, rating, now()))
