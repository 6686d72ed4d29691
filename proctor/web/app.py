"""The web platform's app factory.

    app = create_app(settings, host="127.0.0.1")

The database is opened (created, migrated) here; grading workers start in the lifespan. Nothing is built at
import time, so tests point an app at a temporary data dir.
"""

from __future__ import annotations

import gc
import ipaddress
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from proctor.grading.engine import grade, grader_isolation
from proctor.grading.packs import Catalog
from proctor.grading.results import RunResult
from proctor.grading.pool import WarmPool
from proctor.grading.suite_pool import SuitePool, start_suite_pool
from proctor.grading.sandbox import SandboxUnavailable, choose_backend
from proctor.grading.jobs import collect_orphan_jobs
from proctor.grading.sandbox.cgroups import collect_orphans
from proctor.grading.sandbox.docker import collect_garbage
from proctor.grading.docker_build import collect_build_garbage_if_enabled
from proctor.pipeline.redis_queue import RedisQueue
from proctor.settings import DEFAULT_SECRET_KEY, Settings, get_settings
from proctor.store import Store
from proctor.store.submissions import Submission
from proctor.web import api_docs
from proctor.web.api.router import api_router
from proctor.web.body_limit import FORM_LIMITS, BodyLimitMiddleware
from proctor.web.challenge_lookup import ChallengeLookup
from proctor.web.deadlines import DeadlineSweeper
from proctor.web.errors import install_error_handlers
from proctor.web.logs import configure_logging
from proctor.web.metrics import Metrics
from proctor.web.observe import ObserveMiddleware
from proctor.web.routes import activity
from proctor.web.routes import custom_requests
from proctor.web.routes import queue_admin
from proctor.web.routes import (accounts, assessments, authoring, catalog, challenges, dashboard, invitations,
                                 operations, quizzes, reports, results, sittings, submissions)
from proctor.web.security_headers import SecurityHeadersMiddleware
from proctor.web.templating import PageCache, build_templates
from proctor.web.validation_jobs import ValidationRunner
from proctor.web.workers import WorkerPool

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
    """The FastAPI app; `start_workers=False` serves pages without grading anything (tests of pages only)."""
    settings = settings or get_settings()
    configure_logging(json_lines=settings.log_json)
    store = Store.open(settings.database_path)
    catalog_ = Catalog(settings.challenges_dir, settings.graders_dir)
    # Grading and timed sessions also find interviewers' authored packs; practice pages see only catalog_.
    lookup = ChallengeLookup(catalog_, store, settings.data_dir / "authored")
    metrics = Metrics(store)

    def record_grading(submission: Submission, result: RunResult, seconds: float) -> None:
        metrics.gradings.labels(submission.suite, result.status.value).inc()
        metrics.grading_seconds.observe(seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool: WorkerPool | RedisQueue | None = None
        warm: WarmPool | None = None
        suites: SuitePool | None = None
        if start_workers and settings.queue_url:  # `proctor worker` processes grade (pipeline/redis_queue.py)
            pool = RedisQueue(store=store, catalog=lookup, settings=settings, on_finished=record_grading)
            pool.start()
        elif start_workers:
            try:
                backend, warning = choose_backend(settings.sandbox, local_single_user=is_loopback(host),
                                                  allow_process=settings.allow_process_sandbox)
            except SandboxUnavailable as exc:
                app.state.sandbox_problem = str(exc)
                log.error("no sandbox, so nothing will be graded: %s", exc)
            else:
                if warning:
                    log.warning(warning)
                if backend.name == "docker":
                    removed = collect_garbage()
                    log.info("removed %d orphan containers and %d volumes", *removed)
                    log.info("removed %d Dockerfile build containers and %d images",
                             *collect_build_garbage_if_enabled(settings))
                # Sandboxes and job directories of an engine that died (a crash, a kill -9) are cleaned now.
                log.info("removed %d orphan sandbox cgroups and %d job directories",
                         collect_orphans(), collect_orphan_jobs(settings.jobs_dir))
                if settings.warm_pool > 0:
                    warm = WarmPool(backend, size=settings.warm_pool, jobs_dir=settings.jobs_dir,
                                    runtime=settings.runtime_dir, uid=settings.sandbox_uid, gid=settings.sandbox_gid,
                                    grader_isolation=grader_isolation(settings))
                suites = start_suite_pool(settings, backend, catalog_.all())
                pool = WorkerPool(store=store, catalog=lookup, backend=backend,
                                  count=settings.workers or os.cpu_count() or 1,
                                  lease_seconds=settings.grading_lease_seconds,
                                  grader=lambda *a, **kw: grade(*a, settings=settings, pool=warm,
                                                                suite_pool=suites, **kw),
                                  on_finished=record_grading,
                                  validations=ValidationRunner(store, settings=settings, backend=backend))
                pool.start()
        app.state.workers = pool
        sweeper = DeadlineSweeper(store, interval=app.state.sweep_seconds, on_submitted=pool.notify if pool else None)
        sweeper.start()
        try:
            yield
        finally:
            sweeper.stop()
            if pool:
                pool.stop()
            if warm:
                warm.close()
            if suites:
                suites.close()
            store.close()

    # Operators get Prometheus metrics at /metrics and structured logs; FastAPI's own OpenTelemetry hooks,
    # unused here, would look for a configured provider on every request.
    # docs_url and redoc_url are off: FastAPI's pages load from a CDN; api_docs serves /docs from vendored files.
    app = FastAPI(title="Proctor", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  telemetry={"tracing": False, "metrics": False, "logs": False}, form_limits=FORM_LIMITS,
                  description="Practise FastAPI interview challenges. The JSON API lives under /api/v1.")
    app.state.settings = settings
    app.state.store = store
    app.state.catalog = catalog_
    app.state.challenges = lookup
    app.state.sweep_seconds = 5.0
    app.state.templates = build_templates()
    app.state.pages = PageCache()
    app.state.metrics = metrics
    app.state.workers = None
    app.state.sandbox_problem = None
    app.state.start_workers = start_workers

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

    settings: Settings = app.state.settings
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
