"""Invitations: one link per candidate email, single use, revocable, expiring.

The link's secret is random (256 bits) and only its SHA-256 is stored, so neither guessing nor a leaked
database yields a working link. The web layer signs the secret as well, to refuse forged links cheaply.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import dataclass

from proctor.store.database import Store, now


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Invitation:
    id: int
    assessment_id: int
    email: str
    token_hash: str
    created_at: float
    expires_at: float
    revoked_at: float | None
    used_at: float | None
    used_by: int | None

    def problem(self, at: float) -> str | None:
        """Why the link cannot start a session now, or None."""
        if self.revoked_at is not None:
            return "This invitation was revoked."
        if self.used_at is not None:
            return "This invitation has already been used."
        if at >= self.expires_at:
            return "This invitation has expired."
        return None

    def state(self, at: float) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.used_at is not None:
            return "used"
        return "expired" if at >= self.expires_at else "pending"


def _invitation(row: sqlite3.Row | None) -> Invitation | None:
    return Invitation(**dict(row)) if row else None


def create(store: Store, *, assessment_id: int, email: str, lifetime_seconds: float) -> tuple[Invitation, str]:
    """A new invitation and its secret (shown once, inside the link)."""
    secret = secrets.token_urlsafe(32)
    t = now()
    with store.write() as conn:
        cur = conn.execute(
            "INSERT INTO invitations (assessment_id, email, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (assessment_id, email, hash_secret(secret), t, t + lifetime_seconds))
        invitation_id = int(cur.lastrowid or 0)
    found = get(store, invitation_id=invitation_id)
    assert found is not None
    return found, secret


def get(store: Store, *, invitation_id: int) -> Invitation | None:
    return _invitation(store.read().execute("SELECT * FROM invitations WHERE id = ?", (invitation_id,)).fetchone())


def find(store: Store, *, secret: str) -> Invitation | None:
    row = store.read().execute("SELECT * FROM invitations WHERE token_hash = ?", (hash_secret(secret),)).fetchone()
    return _invitation(row)


def list_for(store: Store, *, assessment_id: int) -> list[Invitation]:
    rows = store.read().execute("SELECT * FROM invitations WHERE assessment_id = ? ORDER BY id",
                                (assessment_id,)).fetchall()
    return [i for i in map(_invitation, rows) if i]


def revoke(store: Store, *, invitation_id: int) -> None:
    with store.write() as conn:
        conn.execute("UPDATE invitations SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                     (now(), invitation_id))


def expire(store: Store, *, invitation_id: int) -> None:
    """Make it expired now (tests check the expired-link path with it)."""
    with store.write() as conn:
        conn.execute("UPDATE invitations SET expires_at = ? WHERE id = ?", (now() - 1, invitation_id))
