"""Jinja templates. One URL serves a page and its fragment: with HX-Request, only the named block renders."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from jinja2_fragments.fastapi import Jinja2Blocks

from proctor.web import csrf
from proctor.web.sections import section_title

TEMPLATES_DIR = Path(__file__).parent / "templates"


def build_templates() -> Jinja2Blocks:
    templates = Jinja2Blocks(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.filters["when"] = _when
    env.filters["score"] = _score
    env.globals["section_title"] = section_title
    return templates


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return ""
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _score(value: object) -> str:
    return f"{value:g}" if isinstance(value, int | float) else "—"


def is_htmx(request: Request) -> bool:
    # A boosted request wants the whole page, not a fragment.
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render(request: Request, name: str, context: dict[str, Any] | None = None, *, block: str | None = None,
           status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Render `name`, or only its `block` when htmx asks for a fragment."""
    settings = request.app.state.settings
    full_context = {
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf.token_for(settings.secret_key, request.state.csrf_cookie),
        **(context or {}),
    }
    templates: Jinja2Blocks = request.app.state.templates
    block_name = block if block and is_htmx(request) else None
    response = templates.TemplateResponse(request, name, full_context, status_code=status_code, headers=headers,
                                          block_name=block_name)
    # Page and fragment share a URL, so caches must key on the header.
    response.headers["Vary"] = "HX-Request"
    return response
