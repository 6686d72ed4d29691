"""Draft snapshots of a timed session: every autosave is kept, with its time, for playback."""

from __future__ import annotations

import json
from dataclasses import dataclass

from proctor.store.database import Store, now


@dataclass(frozen=True)
class Snapshot:
    id: int
    challenge: str
    files: dict[str, str]
    at: float


def save(store: Store, *, assessment_session_id: int, challenge: str, files: dict[str, str]) -> bool:
    """Keep a snapshot unless it equals the last one (autosave fires on every pause); True when stored."""
    encoded = json.dumps(files, sort_keys=True)
    with store.write() as conn:
        last = conn.execute(
            "SELECT files FROM snapshots WHERE assessment_session_id = ? AND challenge = ? ORDER BY id DESC LIMIT 1",
            (assessment_session_id, challenge)).fetchone()
        if last and last[0] == encoded:
            return False
        conn.execute("INSERT INTO snapshots (assessment_session_id, challenge, files, at) VALUES (?, ?, ?, ?)",
                     (assessment_session_id, challenge, encoded, now()))
    return True


def list_for(store: Store, *, assessment_session_id: int, challenge: str) -> list[Snapshot]:
    rows = store.read().execute(
        "SELECT id, challenge, files, at FROM snapshots WHERE assessment_session_id = ? AND challenge = ? "
        "ORDER BY id", (assessment_session_id, challenge)).fetchall()
    return [Snapshot(r["id"], r["challenge"], json.loads(r["files"]), r["at"]) for r in rows]


def latest(store: Store, *, assessment_session_id: int, challenge: str) -> Snapshot | None:
    row = store.read().execute(
        "SELECT id, challenge, files, at FROM snapshots WHERE assessment_session_id = ? AND challenge = ? "
        "ORDER BY id DESC LIMIT 1", (assessment_session_id, challenge)).fetchone()
    return Snapshot(row["id"], row["challenge"], json.loads(row["files"]), row["at"]) if row else None
