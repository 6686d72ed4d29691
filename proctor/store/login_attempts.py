"""Failed logins, counted per email and per client address to slow down password guessing."""

from __future__ import annotations

from proctor.store.database import Store, now

WINDOW_SECONDS = 15 * 60


def record(store: Store, *, email: str, ip: str, succeeded: bool) -> None:
    t = now()
    with store.write() as conn:
        conn.execute("DELETE FROM login_attempts WHERE at < ?", (t - WINDOW_SECONDS,))
        conn.execute("INSERT INTO login_attempts (email, ip, at, succeeded) VALUES (?, ?, ?, ?)",
                     (email, ip, t, int(succeeded)))


def recent_failures(store: Store, *, email: str, ip: str) -> tuple[int, int]:
    """(failures for this email, failures from this address) within the window."""
    since = now() - WINDOW_SECONDS
    conn = store.read()
    by_email = conn.execute("SELECT count(*) FROM login_attempts WHERE email = ? AND at > ? AND NOT succeeded",
                            (email, since)).fetchone()[0]
    by_ip = conn.execute("SELECT count(*) FROM login_attempts WHERE ip = ? AND at > ? AND NOT succeeded",
                         (ip, since)).fetchone()[0]
    return int(by_email), int(by_ip)
