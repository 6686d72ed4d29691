from fastapi import FastAPI, Response

from reports import CACHE_TTL_SECONDS, CALLS, compute_report  # noqa: F401 - CACHE_TTL_SECONDS is yours to use

app = FastAPI()


@app.get("/reports/{report_id}")
def read_report(report_id: int, response: Response) -> dict:
    # TODO: serve the report from a cache for CACHE_TTL_SECONDS after it was computed.
    # TODO: X-Cache: MISS when computed here, X-Cache: HIT when served from the cache.
    response.headers["X-Cache"] = "MISS"
    return compute_report(report_id)


# TODO: POST /reports/{report_id}/refresh -> 204; the next GET of that report is a MISS.


@app.get("/stats")
def stats() -> dict:
    """How many times each report was computed. Keep this route as it is."""
    return {"calls": dict(CALLS)}
