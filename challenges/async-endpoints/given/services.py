"""The services you are given. Do not change this file: the grader uses its own copy."""

import asyncio
import time


async def fetch_quote(i: int) -> str:
    """Ask a (pretend) remote quote service: 0.3 s of awaiting, which leaves the event loop free."""
    await asyncio.sleep(0.3)
    return f"quote #{i}"


def slow_report(i: int) -> str:
    """Build a report with a (pretend) blocking library: 0.3 s during which this thread can do nothing else."""
    time.sleep(0.3)
    return f"report #{i}"
