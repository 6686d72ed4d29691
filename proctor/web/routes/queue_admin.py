"""/admin/queue: what `proctor queue status` prints, for admins (pipeline/queue_status.py)."""

from __future__ import annotations

import time

from fastapi import APIRouter, HTTPException, Request, Response

from proctor.pipeline.queue_status import read_status, wait_words
from proctor.web.deps import CurrentUser, StoreDep
from proctor.web.templating import render

router = APIRouter(tags=["pages"])


@router.get("/admin/queue")
def show_queue(request: Request, store: StoreDep, user: CurrentUser) -> Response:
    if user.role != "admin":
        raise HTTPException(403, "This page is for administrators.")
    status = read_status(store, queue_url=request.app.state.settings.queue_url)
    now = time.time()
    return render(request, "queue.html", {
        "status": status, "now": now,
        "oldest": wait_words(status.oldest_wait_seconds) if status.oldest_wait_seconds is not None else None,
        "ago": lambda t: wait_words(max(0.0, now - t))})
