"""How soon a live panel asks again about a submission that is not done.

A grading from the fork servers takes about a tenth of a second, so a fresh submission is asked about almost at
once; the longer it has waited, the longer the queue it is in, so the panel asks less often. Hundreds of
candidates waiting through a burst then poll about once a second each, not five times. Running: every 200 ms,
the pace of the progress notes (pipeline/progress.py).
"""

from __future__ import annotations

import time

from proctor.store.submissions import Submission

RUNNING_MS = 200
# (waited under this many seconds, ask again after this many ms)
WAITING_MS = ((0.5, 100), (2.0, 250), (5.0, 500))
LONG_WAIT_MS = 1000


def poll_delay(submission: Submission, now: float | None = None) -> str:
    """hx-trigger's delay, e.g. "100ms"."""
    if submission.status == "running":
        return f"{RUNNING_MS}ms"
    waited = (time.time() if now is None else now) - submission.created_at
    return f"{next((ms for under, ms in WAITING_MS if waited < under), LONG_WAIT_MS)}ms"
