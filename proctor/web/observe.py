"""Per-request bookkeeping as plain ASGI middleware: the CSRF cookie, the request metrics and the request log.

    app.add_middleware(ObserveMiddleware, metrics=metrics)

Starlette's `@app.middleware("http")` (BaseHTTPMiddleware) runs the rest of the app in a new task and pipes
the response through a memory stream. Under load (benchmarks/web.py) that cost more CPU per request than
rendering the catalog page, so this does the same work on the ASGI messages directly.
"""

from __future__ import annotations

import logging
import re
import time

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from proctor.web import csrf
from proctor.web.metrics import Metrics

log = logging.getLogger("proctor.web")
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
STATIC_PREFIX = "/static/"  # where create_app mounts the static files: counted, not logged
# An invitation link is a credential (whoever holds it can start the candidate's timed session): the log keeps
# that an invitation was opened, never which.
SECRET_PATH = re.compile(r"^/invite/[^/]+")


def loggable_path(path: str) -> str:
    return SECRET_PATH.sub("/invite/[redacted]", path)


def csrf_cookie_header(value: str, *, secure: bool) -> str:
    # Written out rather than through Response.set_cookie, which builds a SimpleCookie: this runs for every
    # request from a browser seen for the first time (and for every request of a cookie-less load generator).
    return f"{csrf.COOKIE}={value}; HttpOnly; Path=/; SameSite=lax" + ("; Secure" if secure else "")


class ObserveMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics, secure_cookies: bool = False) -> None:
        self.app = app
        self.metrics = metrics
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The CSRF cookie is set on first sight, so every form the client sees can carry its token.
        request = Request(scope)
        cookie = request.cookies.get(csrf.COOKIE)
        fresh = not cookie
        request.state.csrf_cookie = cookie or csrf.new_cookie_value()
        status = 500

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if fresh:
                    message.setdefault("headers", [])
                    MutableHeaders(scope=message).append(
                        "set-cookie", csrf_cookie_header(request.state.csrf_cookie,
                                                           secure=self.secure_cookies or scope["scheme"] == "https"))
            await send(message)

        started = time.perf_counter()
        await self.app(scope, receive, send_observed)
        elapsed = time.perf_counter() - started
        # The router leaves no route in the scope for the /static mount, so that one is told by its path.
        static = scope["path"].startswith(STATIC_PREFIX)
        route = "/static" if static else getattr(scope.get("route"), "path", "unmatched")
        # Any string can arrive as a method; only the standard ones get their own metric series.
        method = scope["method"] if scope["method"] in HTTP_METHODS else "OTHER"
        self.metrics.count_request(method, route, status, elapsed)
        if not static:
            log.info("request", extra={"method": method, "path": loggable_path(scope["path"]), "route": route,
                                       "status": status, "ms": round(elapsed * 1000, 1)})
