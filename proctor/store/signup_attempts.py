"""Sign-ups per client address, to cap how fast one address can create accounts."""

from __future__ import annotations

from proctor.store.database import Store, now

WINDOW_SECONDS = 3600


def record(store: Store, *, ip: str) -> None:
    t = now()
    with store.write() as conn:
        conn.execute("DELETE FROM signup_attempts WHERE at < ?", (t - WINDOW_SECONDS,))
        conn.execute("INSERT INTO signup_attempts (ip, at) VALUES (?, ?)", (ip, t))


def wait_seconds(store: Store, *, ip: str, allowed: int) -> float:
    """0 while this address has made fewer than `allowed` sign-ups in the window; else until the oldest expires."""
    t = now()
    rows = store.read().execute("SELECT at FROM signup_attempts WHERE ip = ? AND at > ? ORDER BY at DESC LIMIT ?",
                                (ip, t - WINDOW_SECONDS, allowed)).fetchall()
    if len(rows) < allowed:
        return 0.0
    return max(1.0, float(rows[-1][0]) + WINDOW_SECONDS - t)
