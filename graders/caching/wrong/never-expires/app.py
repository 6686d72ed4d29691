# A cache that never expires: the TTL constant is imported but never checked.
import threading

from fastapi import FastAPI, Response, status

from reports import CALLS, compute_report

app = FastAPI()

_cache: dict[int, dict] = {}
_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(report_id: int) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(report_id, threading.Lock())


@app.get("/reports/{report_id}")
def read_report(report_id: int, response: Response) -> dict:
    with _lock_for(report_id):
        if report_id in _cache:
            response.headers["X-Cache"] = "HIT"
            return _cache[report_id]
        report = _cache[report_id] = compute_report(report_id)
    response.headers["X-Cache"] = "MISS"
    return report


@app.post("/reports/{report_id}/refresh", status_code=status.HTTP_204_NO_CONTENT)
def refresh_report(report_id: int) -> None:
    _cache.pop(report_id, None)


@app.get("/stats")
def stats() -> dict:
    return {"calls": dict(CALLS)}
