"""Error responses: JSON under /api, a page (or an htmx fragment) everywhere else."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match

from proctor.web.auth import LoginRequired, login_url
from proctor.web.templating import is_htmx, render

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
TITLES = {400: "Bad request", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
          413: "Too large", 422: "Invalid input", 429: "Too many requests"}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_page(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    context = {"status": status, "title": TITLES.get(status, "Error"), "message": message}
    return render(request, "error.html", context, block="error", status_code=status, headers=headers)


def allowed_methods(request: Request) -> str:
    """Every method served at this path: Starlette's 405 names only those of the first route that matched it.
    Each method is tried against the routes (included routers keep theirs inside, out of reach)."""
    routes = [r for r in request.app.router.routes if isinstance(r, BaseRoute)]
    return ", ".join(m for m in METHODS if any(r.matches({**request.scope, "method": m})[0] == Match.FULL
                                               for r in routes))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": "Not authenticated"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        target = login_url(exc.next_url)
        if is_htmx(request):
            # htmx follows this with a full page load, so the whole page becomes the login form.
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 405:
            exc = HTTPException(405, exc.detail, headers={**(exc.headers or {}), "Allow": allowed_methods(request)})
        if wants_json(request) or not hasattr(request.state, "csrf_cookie"):
            return await http_exception_handler(request, exc)
        message = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
        if exc.status_code == 404 and exc.detail == "Not Found":
            message = "There is no page at this address."
        # The exception's headers belong to the answer: Allow on a 405, Retry-After on a 429.
        return error_page(request, exc.status_code, message, headers=dict(exc.headers) if exc.headers else None)

    @app.exception_handler(RequestValidationError)
    async def invalid_input(request: Request, exc: RequestValidationError) -> Response:
        if wants_json(request) or not hasattr(request.state, "csrf_cookie"):
            return await request_validation_exception_handler(request, exc)
        problems = "; ".join(f"{'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in exc.errors())
        return error_page(request, 422, f"The form was not complete: {problems}")
