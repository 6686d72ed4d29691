"""Challenges written in the browser, stored as packs: files keyed by their path in the pack format."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from proctor.store.database import Store, now


class SlugTaken(ValueError):
    pass


def owned_slug(slug: str, owner_id: int) -> str:
    """The stored slug: what the author typed, ending in their own namespace (`orders-api` by user 7 is
    `orders-api-u7`). Slugs are global, so without this "that slug is taken" would confirm that another
    interviewer has a private challenge of that name; now only the author's own slugs can clash."""
    suffix = f"-u{owner_id}"
    return slug if slug.endswith(suffix) else slug + suffix


@dataclass(frozen=True)
class AuthoredChallenge:
    slug: str
    owner_id: int
    title: str
    files: dict[str, str]
    problems: list[str]
    validated_at: float | None
    created_at: float
    updated_at: float

    @property
    def validated(self) -> bool:
        return self.validated_at is not None and not self.problems


def _authored(row: sqlite3.Row | None) -> AuthoredChallenge | None:
    if row is None:
        return None
    data = dict(row)
    data["files"] = json.loads(data["files"])
    data["problems"] = json.loads(data["problems"])
    return AuthoredChallenge(**data)


def save(store: Store, *, slug: str, owner_id: int, title: str, files: dict[str, str], problems: list[str],
         validated: bool, create: bool) -> None:
    """Store the pack and its validation verdict; create=True refuses an existing slug (SlugTaken)."""
    t = now()
    validated_at = t if validated and not problems else None
    try:
        with store.write() as conn:
            if create:
                conn.execute("INSERT INTO authored_challenges (slug, owner_id, title, files, problems, validated_at, "
                             "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             (slug, owner_id, title, json.dumps(files), json.dumps(problems), validated_at, t, t))
            else:
                conn.execute("UPDATE authored_challenges SET title = ?, files = ?, problems = ?, validated_at = ?, "
                             "updated_at = ? WHERE slug = ?",
                             (title, json.dumps(files), json.dumps(problems), validated_at, t, slug))
    except sqlite3.IntegrityError:
        raise SlugTaken(f"{slug} is taken") from None


def get(store: Store, *, slug: str) -> AuthoredChallenge | None:
    return _authored(store.read().execute("SELECT * FROM authored_challenges WHERE slug = ?", (slug,)).fetchone())


def list_for(store: Store, *, owner_id: int | None) -> list[AuthoredChallenge]:
    """An author's challenges; owner_id=None lists all (admins)."""
    if owner_id is None:
        rows = store.read().execute("SELECT * FROM authored_challenges ORDER BY slug").fetchall()
    else:
        rows = store.read().execute("SELECT * FROM authored_challenges WHERE owner_id = ? ORDER BY slug",
                                    (owner_id,)).fetchall()
    return [a for a in map(_authored, rows) if a]
