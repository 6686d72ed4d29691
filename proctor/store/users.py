"""Accounts: who they are and what role they hold."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from proctor.store.database import Store, now

ROLES = ("candidate", "interviewer", "admin")


class EmailTaken(ValueError):
    pass


@dataclass(frozen=True)
class User:
    id: int
    email: str
    role: str
    password_hash: str
    created_at: float

    @property
    def is_staff(self) -> bool:
        return self.role in ("interviewer", "admin")


def user_from_row(row: sqlite3.Row | None) -> User | None:
    return User(**dict(row)) if row else None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create(store: Store, *, email: str, password_hash: str, role: str = "candidate") -> User:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    email = normalise_email(email)
    try:
        with store.write() as conn:
            cur = conn.execute(
                "INSERT INTO users (email, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
                (email, password_hash, role, now()))
            user_id = cur.lastrowid
    except sqlite3.IntegrityError:
        raise EmailTaken(f"{email} already has an account") from None
    user = get(store, user_id=int(user_id or 0))
    assert user is not None
    return user


def get(store: Store, *, user_id: int) -> User | None:
    return user_from_row(store.read().execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone())


def get_by_email(store: Store, *, email: str) -> User | None:
    row = store.read().execute("SELECT * FROM users WHERE email = ?", (normalise_email(email),)).fetchone()
    return user_from_row(row)


def set_role(store: Store, *, user_id: int, role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    with store.write() as conn:
        conn.execute("UPDATE users SET role = ? WHERE id = ?", (role, user_id))


def set_password_hash(store: Store, *, user_id: int, password_hash: str) -> None:
    with store.write() as conn:
        conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))


def count(store: Store) -> int:
    return int(store.read().execute("SELECT count(*) FROM users").fetchone()[0])
