"""Jinja templates. One URL serves a page and its fragment: with HX-Request, only the named block renders."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2_fragments import render_block
from jinja2_fragments.fastapi import Jinja2Blocks
from markupsafe import Markup

from proctor.web import csrf
from proctor.web.kinds import kind_label
from proctor.web.markdown import render_inline
from proctor.web.polling import poll_delay
from proctor.web.sections import section_title
from proctor.web.state import state_of

TEMPLATES_DIR = Path(__file__).parent / "templates"


def build_templates() -> Jinja2Blocks:
    templates = Jinja2Blocks(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.add_extension("jinja2.ext.loopcontrols")  # {% continue %}: a partial may render a whole list item
    env.filters["when"] = _when
    env.filters["score"] = _score
    env.globals["section_title"] = section_title
    env.globals["kind_label"] = kind_label
    env.globals["poll_delay"] = poll_delay
    env.filters["inline_markdown"] = lambda text: Markup(render_inline(str(text)))
    env.filters["plural"] = _plural
    return templates


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return ""
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _plural(count: int, noun: str) -> str:
    """`{{ n|plural("run") }}`: "1 run", "2 runs"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _score(value: object) -> str:
    return f"{value:g}" if isinstance(value, int | float) else "—"


def is_htmx(request: Request) -> bool:
    # A boosted request wants the whole page, not a fragment; so does a Back that missed htmx's history cache.
    headers = request.headers
    return (headers.get("HX-Request") == "true" and headers.get("HX-Boosted") != "true"
            and headers.get("HX-History-Restore-Request") != "true")


def render(request: Request, name: str, context: dict[str, Any] | None = None, *, block: str | None = None,
           status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Render `name`, or only its `block` when htmx asks for a fragment."""
    full_context = {
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf.request_token(request),
        **(context or {}),
    }
    templates: Jinja2Blocks = state_of(request).templates
    block_name = block if block and is_htmx(request) else None
    response = templates.TemplateResponse(request, name, full_context, status_code=status_code, headers=headers,
                                          block_name=block_name)
    # Page and fragment share a URL, so caches must key on the header.
    response.headers["Vary"] = "HX-Request"
    return response


class PageCache:
    """Rendered pages, keyed by what they show, with a hole where the viewer's CSRF token goes.

    A page is a pure function of its template, the viewer and the rows its handler read. The handler names those
    rows as the key, so a second view of the same state skips building the context and Jinja, which cost most
    of a page's CPU (benchmarks/web.py, docs/performance.md). The CSRF token differs per browser, so pages are
    rendered with a random placeholder in its place and the token is put back on the way out.
    """

    def __init__(self, *, max_chars: int = 32 * 1024 * 1024) -> None:
        self.max_chars = max_chars
        self.hole = "csrf-hole-" + secrets.token_hex(16)
        self._pages: OrderedDict[Hashable, tuple[list[bytes], int]] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> list[bytes] | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return None
            self._pages.move_to_end(key)
            return found[0]

    def put(self, key: Hashable, text: str) -> list[bytes]:
        # Kept encoded: joining bytes around the token is a copy, encoding 20 kB of text per request is not.
        parts = [part.encode() for part in text.split(self.hole)]
        size = len(text)
        if size > self.max_chars // 4:
            return parts  # one huge draft must not push every other page out
        with self._lock:
            old = self._pages.pop(key, None)
            self._chars += size - (old[1] if old else 0)
            self._pages[key] = (parts, size)
            while self._chars > self.max_chars:
                _, (_, evicted) = self._pages.popitem(last=False)
                self._chars -= evicted
        return parts

    def __len__(self) -> int:
        return len(self._pages)


def render_cached(request: Request, name: str, key: Hashable | None, make_context: Callable[[], dict[str, Any]], *,
                  block: str | None = None) -> Response:
    """`render`, from the page cache when `key` was seen before. `key` must cover everything `make_context`
    reads besides the viewer (which is added here); None renders without caching (a page still changing)."""
    if key is None:
        return render(request, name, make_context(), block=block)
    cache: PageCache = state_of(request).pages
    block_name = block if block and is_htmx(request) else None
    user = getattr(request.state, "user", None)
    full_key = (name, block_name, user, key)
    parts = cache.get(full_key)
    if parts is None:
        context = {"request": request, "user": user, "csrf_token": cache.hole, **make_context()}
        env = state_of(request).templates.env
        text = (render_block(env, name, block_name, **context) if block_name
                else env.get_template(name).render(context))
        parts = cache.put(full_key, text)
    token = csrf.request_token(request)
    return HTMLResponse(token.encode().join(parts), headers={"Vary": "HX-Request"})
