"""A page served as a plain Starlette route, for the busiest pages (docs/decisions.md).

    routes = [PageRoute("/", show_catalog)]

FastAPI's router puts its own routes in the scope as `scope["route"]`, which the request metrics and log are
labelled by, but not plain Starlette routes; this one puts itself there too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Scope


class PageRoute(Route):
    def __init__(self, path: str, endpoint: Callable[[Request], Awaitable[Response]]) -> None:
        super().__init__(path, endpoint, methods=["GET"])

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match is not Match.NONE:
            child_scope["route"] = self
        return match, child_scope
