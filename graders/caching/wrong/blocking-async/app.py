# `async def` around a blocking call: compute_report's time.sleep freezes the event loop, so while one report is
# computed no other request, not even a cache hit, is answered.
import time

from fastapi import FastAPI, Response, status

from reports import CACHE_TTL_SECONDS, CALLS, compute_report

app = FastAPI()

_cache: dict[int, tuple[float, dict]] = {}


@app.get("/reports/{report_id}")
async def read_report(report_id: int, response: Response) -> dict:
    entry = _cache.get(report_id)
    if entry is not None and time.monotonic() - entry[0] < CACHE_TTL_SECONDS:
        response.headers["X-Cache"] = "HIT"
        return entry[1]
    report = compute_report(report_id)
    _cache[report_id] = (time.monotonic(), report)
    response.headers["X-Cache"] = "MISS"
    return report


@app.post("/reports/{report_id}/refresh", status_code=status.HTTP_204_NO_CONTENT)
async def refresh_report(report_id: int) -> None:
    _cache.pop(report_id, None)


@app.get("/stats")
async def stats() -> dict:
    return {"calls": dict(CALLS)}
