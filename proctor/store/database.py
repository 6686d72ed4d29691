"""The database handle: WAL, one writer inside BEGIN IMMEDIATE, one reader connection per thread."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from proctor.store.migrations import MIGRATIONS

Clock = Callable[[], float]
_clock: Clock = time.time


def now() -> float:
    """Wall-clock seconds as every stored timestamp records them: from the clock `use_clock` installed."""
    return _clock()


@contextmanager
def use_clock(clock: Clock) -> Iterator[None]:
    """Make `now` read `clock` (a test's, to move time without sleeping); the previous clock afterwards."""
    global _clock
    previous, _clock = _clock, clock
    try:
        yield
    finally:
        _clock = previous


class Store:
    """Every query takes a Store; writes go through `write()`, reads through `read()`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._write_lock = threading.Lock()
        self._writer = self._connect()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()

    @classmethod
    def open(cls, path: Path) -> Store:
        """Create the file if needed, turn on WAL and apply pending migrations."""
        path.parent.mkdir(parents=True, exist_ok=True)
        db = Database(sqlite3.connect(path, check_same_thread=False))
        try:
            db.enable_wal()
            MIGRATIONS.apply(db)
        finally:
            db.close()
        return cls(path)

    def _connect(self) -> sqlite3.Connection:
        # FastAPI may run a dependency and its handler on different threads, hence check_same_thread=False.
        conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 30000")
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction on the single writer; BEGIN IMMEDIATE takes the write lock up front."""
        with self._write_lock:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def read(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def ping(self) -> None:
        self.read().execute("SELECT 1").fetchone()

    def backup(self, target: Path) -> None:
        backup_to(self.path, target)

    def close(self) -> None:
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        with self._write_lock:
            self._writer.close()


def backup_to(source: Path, target: Path) -> None:
    """A consistent copy, even while a server writes: SQLite's online backup API."""
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
