"""Work in progress, one draft per user and challenge."""

from __future__ import annotations

import json

from proctor.store.database import Store, now


def save(store: Store, *, user_id: int, challenge: str, files: dict[str, str]) -> None:
    with store.write() as conn:
        conn.execute(
            "INSERT INTO drafts (user_id, challenge, files, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user_id, challenge) DO UPDATE SET files = excluded.files, updated_at = excluded.updated_at",
            (user_id, challenge, json.dumps(files), now()))


def get(store: Store, *, user_id: int, challenge: str) -> dict[str, str] | None:
    row = store.read().execute("SELECT files FROM drafts WHERE user_id = ? AND challenge = ?",
                               (user_id, challenge)).fetchone()
    return json.loads(row[0]) if row else None


def delete(store: Store, *, user_id: int, challenge: str) -> None:
    with store.write() as conn:
        conn.execute("DELETE FROM drafts WHERE user_id = ? AND challenge = ?", (user_id, challenge))
