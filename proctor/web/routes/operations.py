"""For operators: liveness, readiness and Prometheus metrics; and /favicon.ico, which every client asks for."""

from __future__ import annotations

import hmac
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from proctor.grading.sandbox import runtime
from proctor.pipeline.redis_queue import RedisQueue
from proctor.web.state import state_of

router = APIRouter(tags=["operations"])
FAVICON = Path(__file__).parent.parent / "static" / "favicon.svg"


@router.get("/health")
async def show_health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/ready")
def show_readiness(request: Request) -> Response:
    """Readiness: the database answers and, when grading is on, the workers and the sandbox are there."""
    state = state_of(request)
    checks: dict[str, str] = {}
    try:
        state.store.ping()
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready; say which
        checks["database"] = f"failed: {exc}"
    if state.start_workers and state.settings.queue_url:  # graded by `proctor worker` processes, not here
        checks["workers"] = "ok" if state.workers and state.workers.alive() else "not running"
        checks["queue"] = state.workers.reachable() if isinstance(state.workers, RedisQueue) else "not running"
    elif state.start_workers:
        if state.sandbox_problem:
            checks["sandbox"] = f"failed: {state.sandbox_problem}"
        try:
            runtime.check(state.settings.runtime_dir)
            checks["sandbox_runtime"] = "ok"
        except runtime.RuntimeMissing as exc:
            checks["sandbox_runtime"] = f"failed: {exc}"
        checks["workers"] = "ok" if state.workers and state.workers.alive() else "not running"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)


@router.get("/metrics")
def show_metrics(request: Request) -> Response:
    """Prometheus metrics, for a scraper holding PROCTOR_METRICS_TOKEN: they name routes, counts and queue sizes,
    which are nobody else's business. Without a configured token the endpoint does not exist."""
    expected = state_of(request).settings.metrics_token
    if not expected:
        raise HTTPException(404, "Not Found")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise HTTPException(401, "Metrics need Authorization: Bearer <PROCTOR_METRICS_TOKEN>.",
                            headers={"WWW-Authenticate": "Bearer"})
    return Response(generate_latest(state_of(request).metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/favicon.ico")
def show_favicon() -> FileResponse:
    """Pages link the SVG icon; this answers clients that ask the conventional path anyway, instead of a 404."""
    return FileResponse(FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})
