"""Personal API tokens: shown once at creation, stored as a SHA-256, revocable, optionally expiring.

    token, secret = create(store, user_id=1, name="CI", lifetime_seconds=30 * 86400)
    lookup(store, token=secret).user_id   # 1, until it expires or is revoked
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import dataclass

from proctor.store.database import Store, now

PREFIX = "pct_"
MAX_ACTIVE = 20
# Recording every use would put a write on every API request; a minute is as precise as "last used" needs.
LAST_USED_EVERY_SECONDS = 60.0


class TooManyTokens(Exception):
    """The user already has MAX_ACTIVE live tokens."""


@dataclass(frozen=True)
class ApiToken:
    id: int
    name: str
    created_at: float
    expires_at: float | None
    last_used_at: float | None

    def expired(self, at: float) -> bool:
        return self.expires_at is not None and at >= self.expires_at


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token(row: sqlite3.Row) -> ApiToken:
    return ApiToken(id=row["id"], name=row["name"], created_at=row["created_at"], expires_at=row["expires_at"],
                    last_used_at=row["last_used_at"])


def create(store: Store, *, user_id: int, name: str, lifetime_seconds: float | None = None) -> tuple[ApiToken, str]:
    """A new token and its secret (shown once); TooManyTokens past MAX_ACTIVE. Expired tokens are dropped."""
    secret = PREFIX + secrets.token_urlsafe(32)
    t = now()
    expires_at = None if lifetime_seconds is None else t + lifetime_seconds
    with store.write() as conn:
        conn.execute("DELETE FROM api_tokens WHERE user_id = ? AND expires_at <= ?", (user_id, t))
        (count,) = conn.execute("SELECT count(*) FROM api_tokens WHERE user_id = ?", (user_id,)).fetchone()
        if count >= MAX_ACTIVE:
            raise TooManyTokens(f"You have {MAX_ACTIVE} tokens, the most allowed. Revoke one you no longer use.")
        cur = conn.execute("INSERT INTO api_tokens (user_id, token_hash, name, created_at, expires_at) "
                           "VALUES (?, ?, ?, ?, ?)", (user_id, _hash(secret), name, t, expires_at))
        token_id = int(cur.lastrowid or 0)
    return ApiToken(id=token_id, name=name, created_at=t, expires_at=expires_at, last_used_at=None), secret


@dataclass(frozen=True)
class TokenUse:
    token_id: int
    user_id: int
    stale: bool  # its last use was recorded over LAST_USED_EVERY_SECONDS ago, or never


def lookup(store: Store, *, token: str) -> TokenUse | None:
    """A live token's owner (None when unknown, revoked or expired). Only reads: see record_use."""
    row = store.read().execute("SELECT id, user_id, expires_at, last_used_at FROM api_tokens WHERE token_hash = ?",
                               (_hash(token),)).fetchone()
    t = now()
    if row is None or (row["expires_at"] is not None and t >= row["expires_at"]):
        return None
    stale = row["last_used_at"] is None or t - row["last_used_at"] >= LAST_USED_EVERY_SECONDS
    return TokenUse(token_id=row["id"], user_id=row["user_id"], stale=stale)


def record_use(store: Store, *, token_id: int) -> None:
    with store.write() as conn:
        conn.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (now(), token_id))


def list_for(store: Store, *, user_id: int) -> list[ApiToken]:
    rows = store.read().execute("SELECT id, name, created_at, expires_at, last_used_at FROM api_tokens "
                                "WHERE user_id = ? ORDER BY id", (user_id,)).fetchall()
    return [_token(r) for r in rows]


def delete(store: Store, *, user_id: int, token_id: int) -> bool:
    """Revoke one of the user's tokens; False when it is not theirs (or gone already)."""
    with store.write() as conn:
        cur = conn.execute("DELETE FROM api_tokens WHERE id = ? AND user_id = ?", (token_id, user_id))
    return cur.rowcount > 0
