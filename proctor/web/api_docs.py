"""/docs: Swagger UI for the JSON API, served from vendored files and started by a static script.

FastAPI's own page loads Swagger UI from a CDN (a blank page without internet access) and starts it with an
inline script, which the site's Content-Security-Policy (web/security_headers.py) refuses. This one needs
neither, so it runs under that same policy (Swagger's icons are data: images, which it allows).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from proctor.web.state import state_of

router = APIRouter()


@router.get("/docs")
async def show_api_docs(request: Request) -> Response:
    return state_of(request).templates.TemplateResponse(
        request, "api_docs.html", {"openapi_url": request.app.openapi_url})
