"""Failed logins, and the throttle they feed: per (email, client address), so nobody can aim it at someone else.

Failures of one email from one address earn that pair a growing wait (2 s, 4 s, 8 s ... up to the window)
after the first `free_failures`. Failures from other addresses never make a correct password wait: a
victim's login is refused only because of what was tried from the victim's own address. Many failures at one
email from everywhere, or from one address at many emails, only slow every attempt there down (`slow_down`),
whatever its password, so the answer's timing tells nothing either.
"""

from __future__ import annotations

from proctor.store.database import Store, now

WINDOW_SECONDS = 15 * 60
# Global slow-downs, not lockouts: failures at one email from all addresses, and from one address at all emails.
EMAIL_SLOWDOWN_FAILURES = 20
ADDRESS_SLOWDOWN_FAILURES = 50


def record(store: Store, *, email: str, ip: str, succeeded: bool) -> None:
    t = now()
    with store.write() as conn:
        conn.execute("DELETE FROM login_attempts WHERE at < ?", (t - WINDOW_SECONDS,))
        conn.execute("INSERT INTO login_attempts (email, ip, at, succeeded) VALUES (?, ?, ?, ?)",
                     (email, ip, t, int(succeeded)))


def delay_after(failures: int, *, free_failures: int) -> float:
    """How long the pair must wait after its last failure: nothing, then doubling from 2 s, capped by the window."""
    if failures < free_failures:
        return 0.0
    return float(min(2 ** min(failures - free_failures + 1, 20), WINDOW_SECONDS))


def wait_seconds(store: Store, *, email: str, ip: str, free_failures: int) -> float:
    """Seconds this email must still wait before another try from this address (0: try now)."""
    t = now()
    failures, last = store.read().execute(
        "SELECT count(*), max(at) FROM login_attempts WHERE email = ? AND ip = ? AND at > ? AND NOT succeeded",
        (email, ip, t - WINDOW_SECONDS)).fetchone()
    if not failures:
        return 0.0
    return max(0.0, float(last) + delay_after(int(failures), free_failures=free_failures) - t)


def slow_down(store: Store, *, email: str, ip: str) -> bool:
    """Whether this attempt is answered slowly: the email, or the address, has failed very often lately."""
    since = now() - WINDOW_SECONDS
    conn = store.read()
    by_email = conn.execute("SELECT count(*) FROM login_attempts WHERE email = ? AND at > ? AND NOT succeeded",
                            (email, since)).fetchone()[0]
    if by_email >= EMAIL_SLOWDOWN_FAILURES:
        return True
    by_ip = conn.execute("SELECT count(*) FROM login_attempts WHERE ip = ? AND at > ? AND NOT succeeded",
                         (ip, since)).fetchone()[0]
    return bool(by_ip >= ADDRESS_SLOWDOWN_FAILURES)
