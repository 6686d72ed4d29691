"""Login sessions. The cookie carries a random id; only its hash is stored, with an expiry."""

from __future__ import annotations

import hashlib
import secrets

from proctor.store.database import Store, now


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(store: Store, *, user_id: int, lifetime_seconds: float) -> str:
    """A new session; returns the secret id to put in the (signed) cookie."""
    session_id = secrets.token_urlsafe(32)
    t = now()
    with store.write() as conn:
        conn.execute("DELETE FROM sessions WHERE expires_at < ?", (t,))
        conn.execute("INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                     (_hash(session_id), user_id, t, t + lifetime_seconds))
    return session_id


def user_id_for(store: Store, *, session_id: str) -> int | None:
    """The session's user, or None when it is unknown or expired."""
    row = store.read().execute("SELECT user_id FROM sessions WHERE id_hash = ? AND expires_at > ?",
                               (_hash(session_id), now())).fetchone()
    return int(row[0]) if row else None


def delete(store: Store, *, session_id: str) -> None:
    with store.write() as conn:
        conn.execute("DELETE FROM sessions WHERE id_hash = ?", (_hash(session_id),))


def expire(store: Store, *, session_id: str) -> None:
    """End a session now but keep the row (tests use it to check the expired-session path)."""
    with store.write() as conn:
        conn.execute("UPDATE sessions SET expires_at = ? WHERE id_hash = ?", (now() - 1, _hash(session_id)))
