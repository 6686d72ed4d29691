"""Draft snapshots of a timed session: autosaves are kept, with their time, for playback, within bounds."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from proctor.store.database import Store, now


@dataclass(frozen=True)
class Snapshot:
    id: int
    challenge: str
    files: dict[str, str]
    at: float


@dataclass(frozen=True)
class SnapshotLimits:
    """Bounds on one session's snapshots of one challenge (the defaults keep everything, for the store's tests).

    A save less than `interval` seconds after the latest snapshot replaces that snapshot's files instead of
    adding a row, so the draft is always the newest code while rows grow at most one per interval. Past `keep`
    rows or `max_bytes`, the snapshot closest in time to its neighbours is dropped until within bounds (the first
    and the newest always stay), so playback still spans the whole session, at a coarser step.
    """

    keep: int | None = None
    max_bytes: int | None = None
    interval: float = 0.0


def save(store: Store, *, sitting_id: int, challenge: str, files: dict[str, str],
         limits: SnapshotLimits = SnapshotLimits()) -> bool:
    """Keep a snapshot unless it equals the last one (autosave fires on every pause); True when stored."""
    encoded = json.dumps(files, sort_keys=True)
    t = now()
    with store.write() as conn:
        last = conn.execute(
            "SELECT id, files, at FROM snapshots WHERE sitting_id = ? AND challenge = ? "
            "ORDER BY id DESC LIMIT 1", (sitting_id, challenge)).fetchone()
        if last and last["files"] == encoded:
            return False
        size = len(encoded.encode())
        if last and t - last["at"] < limits.interval:
            conn.execute("UPDATE snapshots SET files = ?, size = ? WHERE id = ?", (encoded, size, last["id"]))
        else:
            conn.execute("INSERT INTO snapshots (sitting_id, challenge, files, at, size) "
                         "VALUES (?, ?, ?, ?, ?)", (sitting_id, challenge, encoded, t, size))
        if limits.keep is not None or limits.max_bytes is not None:
            _prune(conn, sitting_id, challenge, limits)
    return True


def _prune(conn: sqlite3.Connection, session_id: int, challenge: str, limits: SnapshotLimits) -> None:
    rows = conn.execute("SELECT id, at, size FROM snapshots WHERE sitting_id = ? AND challenge = ? "
                        "ORDER BY id", (session_id, challenge)).fetchall()
    kept = [(r[0], r[1], r[2]) for r in rows]
    keep = limits.keep if limits.keep is not None else len(kept)
    budget = limits.max_bytes if limits.max_bytes is not None else sum(r[2] for r in kept)
    total = sum(r[2] for r in kept)
    doomed: list[int] = []
    while len(kept) > 1 and (len(kept) > keep or total > budget):
        if len(kept) == 2:
            victim = 0  # only the newest is left: it is the draft
        else:  # the one whose neighbours are closest in time: what is kept stays spread over the session
            victim = min(range(1, len(kept) - 1), key=lambda i: (kept[i + 1][1] - kept[i - 1][1], i))
        doomed.append(kept[victim][0])
        total -= kept[victim][2]
        del kept[victim]
    conn.executemany("DELETE FROM snapshots WHERE id = ?", [(i,) for i in doomed])


def list_for(store: Store, *, sitting_id: int, challenge: str) -> list[Snapshot]:
    rows = store.read().execute(
        "SELECT id, challenge, files, at FROM snapshots WHERE sitting_id = ? AND challenge = ? "
        "ORDER BY id", (sitting_id, challenge)).fetchall()
    return [Snapshot(r["id"], r["challenge"], json.loads(r["files"]), r["at"]) for r in rows]


def latest(store: Store, *, sitting_id: int, challenge: str) -> Snapshot | None:
    row = store.read().execute(
        "SELECT id, challenge, files, at FROM snapshots WHERE sitting_id = ? AND challenge = ? "
        "ORDER BY id DESC LIMIT 1", (sitting_id, challenge)).fetchone()
    return Snapshot(row["id"], row["challenge"], json.loads(row["files"]), row["at"]) if row else None
