"""The database layer you are given. Do not change this file: the grader uses its own copy.

- `connect()` opens a new sqlite3 connection to the file named by the environment variable `DATABASE_PATH`
  (default `/tmp/notes.db`). It is opened with `check_same_thread=False`, because FastAPI may run a dependency
  and its route on different threads.
- `init_db()` creates the `notes` table if it does not exist yet.
- `open_connections()` says how many connections `connect()` has opened that have not been closed with
  `.close()` yet.

Connections use sqlite3's default transaction handling: an INSERT, UPDATE or DELETE starts a transaction, which
stays open until you call `.commit()` or `.rollback()`. Closing a connection without committing throws its
changes away.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading

SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY,
    title TEXT UNIQUE NOT NULL,
    body TEXT NOT NULL
)
"""

_lock = threading.Lock()
_open = 0


def database_path() -> str:
    # /tmp/notes.db, or the same name in $TMPDIR where the temporary directory lives elsewhere.
    return os.environ.get("DATABASE_PATH") or os.path.join(tempfile.gettempdir(), "notes.db")


class TrackedConnection(sqlite3.Connection):
    """A sqlite3 connection that counts itself as open until .close() is called."""

    def __init__(self, *args, **kwargs) -> None:
        global _open
        super().__init__(*args, **kwargs)
        self._tracked_open = True
        with _lock:
            _open += 1

    def close(self) -> None:
        global _open
        super().close()
        with _lock:
            if self._tracked_open:
                self._tracked_open = False
                _open -= 1


def connect() -> sqlite3.Connection:
    """A new connection; the caller must close it."""
    return sqlite3.connect(database_path(), check_same_thread=False, timeout=3, factory=TrackedConnection)


def init_db() -> None:
    """Create the notes table (safe to call more than once)."""
    conn = connect()
    try:
        conn.execute(SCHEMA)
        conn.commit()
    finally:
        conn.close()


def open_connections() -> int:
    """How many connections are open now."""
    with _lock:
        return _open
