"""Personal API tokens: shown once at creation, stored as a SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from proctor.store.database import Store, now

PREFIX = "pct_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(store: Store, *, user_id: int, name: str) -> str:
    token = PREFIX + secrets.token_urlsafe(32)
    with store.write() as conn:
        conn.execute("INSERT INTO api_tokens (user_id, token_hash, name, created_at) VALUES (?, ?, ?, ?)",
                     (user_id, _hash(token), name, now()))
    return token


def user_id_for(store: Store, *, token: str) -> int | None:
    row = store.read().execute("SELECT user_id FROM api_tokens WHERE token_hash = ?", (_hash(token),)).fetchone()
    return int(row[0]) if row else None


def list_for(store: Store, *, user_id: int) -> list[dict[str, object]]:
    rows = store.read().execute(
        "SELECT id, name, created_at FROM api_tokens WHERE user_id = ? ORDER BY id", (user_id,)).fetchall()
    return [dict(r) for r in rows]


def delete(store: Store, *, user_id: int, token_id: int) -> None:
    with store.write() as conn:
        conn.execute("DELETE FROM api_tokens WHERE id = ? AND user_id = ?", (token_id, user_id))
