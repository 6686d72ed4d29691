"""The web platform's app factory.

    app = create_app(settings, host="127.0.0.1")

The database is opened (created, migrated) here; grading workers start in the lifespan. Nothing is built at
import time, so tests point an app at a temporary data dir.
"""

from __future__ import annotations

import gc
import ipaddress
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from proctor.grading.packs import Catalog
from proctor.grading.results import RunResult
from proctor.grading.sandbox import SandboxUnavailable
from proctor.pipeline.deadlines import DeadlineSweeper
from proctor.pipeline.lookup import ChallengeLookup
from proctor.pipeline.redis_queue import RedisQueue
from proctor.pipeline.startup import Grading
from proctor.pipeline.startup import start as start_grading
from proctor.settings import DEFAULT_SECRET_KEY, Settings, get_settings
from proctor.store import Store
from proctor.store.submissions import Submission
from proctor.web import api_docs
from proctor.web.api.router import api_router
from proctor.web.body_limit import FORM_LIMITS, BodyLimitMiddleware
from proctor.web.errors import install_error_handlers
from proctor.web.metrics import Metrics
from proctor.web.observe import ObserveMiddleware
from proctor.web.routes import (
    accounts,
    activity,
    assessments,
    authoring,
    catalog,
    challenges,
    custom_requests,
    dashboard,
    invitations,
    operations,
    queue_admin,
    quizzes,
    reports,
    results,
    sittings,
    submissions,
)
from proctor.web.security_headers import SecurityHeadersMiddleware
from proctor.web.state import AppState, app_state
from proctor.web.templating import PageCache, build_templates

log = logging.getLogger("proctor.web")
STATIC_DIR = Path(__file__).parent / "static"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def create_app(settings: Settings | None = None, *, host: str = "127.0.0.1", start_workers: bool = True) -> FastAPI:
    """The FastAPI app; `start_workers=False` serves pages without grading anything (tests of pages only).

    Logging is the caller's to set up (`proctor serve` does): building an app changes no logger."""
    settings = settings or get_settings()
    store = Store.open(settings.database_path)
    catalog_ = Catalog(settings.challenges_dir, settings.graders_dir)
    # Grading and timed sessions also find interviewers' authored packs; practice pages see only catalog_.
    lookup = ChallengeLookup(catalog_, store, settings.data_dir / "authored")
    metrics = Metrics(store)

    def record_grading(submission: Submission, result: RunResult, seconds: float) -> None:
        metrics.count_grading(submission.suite, result, seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = app_state(app)
        grading: Grading | None = None
        queue: RedisQueue | None = None
        if start_workers and settings.queue_url:  # `proctor worker` processes grade (pipeline/redis_queue.py)
            queue = RedisQueue(store=store, catalog=lookup, settings=settings, on_finished=record_grading)
            queue.start()
        elif start_workers:
            try:
                grading = start_grading(settings, store, lookup, local_single_user=is_loopback(host),
                                        on_finished=record_grading)
            except SandboxUnavailable as exc:
                state.sandbox_problem = str(exc)
                log.error("no sandbox, so nothing will be graded: %s", exc)
            else:
                state.backend = grading.backend
        workers = queue or (grading.workers if grading else None)
        state.workers = workers
        sweeper = DeadlineSweeper(store, interval=state.sweep_seconds,
                                  on_submitted=workers.notify if workers else None)
        sweeper.start()
        try:
            yield
        finally:
            sweeper.stop()
            if queue:
                queue.stop()
            if grading:
                grading.stop()
            store.close()

    # Operators get Prometheus metrics at /metrics and structured logs; FastAPI's own OpenTelemetry hooks,
    # unused here, would look for a configured provider on every request.
    # docs_url and redoc_url are off: FastAPI's pages load from a CDN; api_docs serves /docs from vendored files.
    app = FastAPI(title="Proctor", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  telemetry={"tracing": False, "metrics": False, "logs": False}, form_limits=FORM_LIMITS,
                  description="Practise FastAPI interview challenges. The JSON API lives under /api/v1.")
    # Typed, in place of Starlette's attribute bag (proctor/web/state.py).
    app.state = AppState(settings=settings, store=store, catalog=catalog_, challenges=lookup,  # type: ignore[assignment]
                         templates=build_templates(), pages=PageCache(), metrics=metrics, start_workers=start_workers)

    app.add_middleware(ObserveMiddleware, metrics=metrics, secure_cookies=settings.secure_cookies)
    # Added last, so outermost: a body is bounded before anything reads it, and every answer has the headers.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    install_error_handlers(app)
    # The router tries routes in order, at a few microseconds each: the busiest pages go first. They are plain
    # Starlette routes (docs/decisions.md).
    app.router.routes[:0] = [*catalog.routes, *challenges.routes]
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # /docs documents the JSON API; the HTML pages and the operators' endpoints are not part of it.
    for router in (challenges.router, operations.router, accounts.router, submissions.router,
                   dashboard.router, assessments.router, invitations.router, sittings.router, results.router,
                   reports.router, authoring.router, quizzes.router, activity.router):
        app.include_router(router, include_in_schema=False)
    app.include_router(custom_requests.router, include_in_schema=False)
    app.include_router(queue_admin.router, include_in_schema=False)
    app.include_router(api_router, prefix="/api/v1")
    app.include_router(api_docs.router, include_in_schema=False)
    return app


def serve(app: FastAPI, *, host: str, port: int, **uvicorn_options: Any) -> None:
    """Run app under uvicorn, after gc.freeze(), on asyncio's own event loop, without uvicorn's access log.

    gc.freeze(): everything built so far (the framework, templates, pydantic models: some 80,000 objects) is
    moved out of the collector's reach. A full collection over them took about 100 ms, a pause every queued
    request waited out, and under load it came every several seconds.

    asyncio's loop rather than uvloop (uvicorn's default when installed): under load, uvloop left some
    connections' requests unread in their sockets for up to 0.8 s while it served the others, which made the
    p99; asyncio's selector loop serves every ready socket each turn, at the same req/s (docs/decisions.md).

    The access log is off because ObserveMiddleware already logs each request, as one structured line with
    its route and time. The first two were found with benchmarks/web.py (docs/performance.md)."""
    import uvicorn

    settings = app_state(app).settings
    if not is_loopback(host) and settings.secret_key == DEFAULT_SECRET_KEY:
        log.warning("listening on %s with the default secret key: anyone can forge a session cookie. "
                    "Set PROCTOR_SECRET_KEY (and PROCTOR_ENVIRONMENT=production).", host)
    # Slow or idle clients: a connection idle past timeout_keep_alive is closed, and past limit_concurrency
    # connections new requests get 503 instead of piling up. The client address and scheme come from the
    # X-Forwarded-* headers only when a trusted proxy (forwarded_allow_ips) sent them.
    limits = {"timeout_keep_alive": settings.timeout_keep_alive, "limit_concurrency": settings.limit_concurrency,
              "proxy_headers": True, "forwarded_allow_ips": settings.forwarded_allow_ips}
    gc.freeze()
    uvicorn.run(app, host=host, port=port, **{"loop": "asyncio", "access_log": False, **limits, **uvicorn_options})
