"""The web platform's app factory. For now: the challenge list and a health check."""

from __future__ import annotations

import html

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from proctor.grading.packs import Catalog
from proctor.settings import Settings, get_settings


def create_app(settings: Settings | None = None, *, host: str = "127.0.0.1") -> FastAPI:
    settings = settings or get_settings()
    catalog = Catalog(settings.challenges_dir, settings.graders_dir)
    app = FastAPI(title="Proctor", version="0.1.0")

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", response_class=HTMLResponse)
    def list_challenges() -> str:
        rows = "".join(
            f"<li><strong>{html.escape(c.title)}</strong> <code>{html.escape(c.slug)}</code> "
            f"— §{', '.join(map(str, c.sections))}, {c.difficulty}</li>"
            for c in catalog.all()
        )
        return (f"<!doctype html><html lang=en><meta charset=utf-8><title>Proctor</title>"
                f"<h1>Proctor challenges</h1><ul>{rows or '<li>No challenges yet.</li>'}</ul></html>")

    return app
