"""The slow report service. Given: it is the same in every run, and your copy of it is replaced by this one."""

import time
from collections import Counter
from datetime import datetime, timezone

CACHE_TTL_SECONDS = 1

# How many times compute_report ran, per report id.
CALLS: Counter[int] = Counter()


def compute_report(report_id: int) -> dict:
    """Build one report. It takes a tenth of a second: cache it."""
    CALLS[report_id] += 1
    time.sleep(0.1)
    return {
        "report_id": report_id,
        "total": sum(range(report_id % 1000)),
        "generated_at": datetime.now(timezone.utc).isoformat(),
    }
