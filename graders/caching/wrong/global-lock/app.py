# Single-flight with ONE lock for everything: concurrent misses compute once, but every request, hits included,
# queues behind whichever report is being computed.
import threading
import time

from fastapi import FastAPI, Response, status

from reports import CACHE_TTL_SECONDS, CALLS, compute_report

app = FastAPI()

_cache: dict[int, tuple[float, dict]] = {}
_lock = threading.Lock()


@app.get("/reports/{report_id}")
def read_report(report_id: int, response: Response) -> dict:
    with _lock:
        entry = _cache.get(report_id)
        if entry is not None and time.monotonic() - entry[0] < CACHE_TTL_SECONDS:
            response.headers["X-Cache"] = "HIT"
            return entry[1]
        report = compute_report(report_id)
        _cache[report_id] = (time.monotonic(), report)
    response.headers["X-Cache"] = "MISS"
    return report


@app.post("/reports/{report_id}/refresh", status_code=status.HTTP_204_NO_CONTENT)
def refresh_report(report_id: int) -> None:
    with _lock:
        _cache.pop(report_id, None)


@app.get("/stats")
def stats() -> dict:
    return {"calls": dict(CALLS)}
