# Invalidation with `del`: refreshing a report that is not cached raises KeyError, a 500.
import time

from fastapi import FastAPI, Response, status

from reports import CACHE_TTL_SECONDS, CALLS, compute_report

app = FastAPI()

_cache: dict[int, tuple[float, dict]] = {}


@app.get("/reports/{report_id}")
def read_report(report_id: int, response: Response) -> dict:
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
    del _cache[report_id]


@app.get("/stats")
def stats() -> dict:
    return {"calls": dict(CALLS)}
