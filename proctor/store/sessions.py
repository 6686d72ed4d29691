"""Login sessions. The cookie carries a random id; only its hash is stored, with an expiry."""

from __future__ import annotations

import hashlib
import secrets

from proctor.store.database import Store, now
from proctor.store.users import User, user_from_row


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


def user_for(store: Store, *, session_id: str) -> User | None:
    """The session's user in one lookup, or None when the session is unknown or expired."""
    row = store.read().execute("SELECT users.* FROM sessions JOIN users ON users.id = sessions.user_id "
                               "WHERE sessions.id_hash = ? AND sessions.expires_at > ?",
                               (_hash(session_id), now())).fetchone()
    return user_from_row(row)


def delete(store: Store, *, session_id: str) -> None:
    with store.write() as conn:
        conn.execute("DELETE FROM sessions WHERE id_hash = ?", (_hash(session_id),))


def expire(store: Store, *, session_id: str) -> None:
    """End a session now but keep the row (tests use it to check the expired-session path)."""
    with store.write() as conn:
        conn.execute("UPDATE sessions SET expires_at = ? WHERE id_hash = ?", (now() - 1, _hash(session_id)))
