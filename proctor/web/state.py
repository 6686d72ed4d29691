"""What the app factory builds once and every request reads: one typed object, as `app.state`.

    state = state_of(request)        # in a route or a dependency
    state.store, state.settings, state.workers

create_app() puts an AppState where Starlette puts its untyped bag, so `app.state.store` still reads in tests and
a new piece is one more field here (with a default when the lifespan fills it in later).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import HTTPConnection

if TYPE_CHECKING:  # types only: every web module may import this one without a cycle
    from jinja2_fragments.fastapi import Jinja2Blocks

    from proctor.grading.packs import Catalog
    from proctor.grading.sandbox import Sandbox
    from proctor.pipeline.lookup import ChallengeLookup
    from proctor.pipeline.redis_queue import RedisQueue
    from proctor.pipeline.worker import Workers
    from proctor.settings import Settings
    from proctor.store import Store
    from proctor.web.metrics import Metrics
    from proctor.web.templating import PageCache


@dataclass(eq=False)
class AppState:
    settings: Settings
    store: Store
    catalog: Catalog  # the public packs: what practice pages list
    challenges: ChallengeLookup  # the public packs and interviewers' authored ones: what grading finds
    templates: Jinja2Blocks
    pages: PageCache
    metrics: Metrics
    start_workers: bool
    # How often the lifespan's thread closes sessions whose time is up; tests shorten it.
    sweep_seconds: float = 5.0
    # Filled in by the lifespan when it starts grading: the backend it chose, or why there is none.
    backend: Sandbox | None = None
    workers: Workers | RedisQueue | None = None  # in-process workers, or the web node's side of the Redis queue
    sandbox_problem: str | None = None


def app_state(app: Starlette) -> AppState:
    state = app.state
    if not isinstance(state, AppState):
        raise TypeError("this app was not made by proctor.web.app.create_app")
    return state


def state_of(connection: HTTPConnection) -> AppState:
    """The app's state, typed, from a request (or a WebSocket)."""
    return app_state(connection.app)
