"""/docs: Swagger UI for the JSON API, served from vendored files and started by a static script.

FastAPI's own page loads Swagger UI from a CDN (a blank page without internet access) and starts it with an
inline script, which a Content-Security-Policy of `script-src 'self'` refuses. This one needs neither.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

router = APIRouter()

# Swagger UI's stylesheet draws its icons as data: SVGs; "Try it out" calls this same origin.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


@router.get("/docs")
async def show_api_docs(request: Request) -> Response:
    response = request.app.state.templates.TemplateResponse(
        request, "api_docs.html", {"openapi_url": request.app.openapi_url})
    response.headers["Content-Security-Policy"] = CSP
    return response
