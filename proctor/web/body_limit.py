"""Request bodies are bounded before anything reads them: a plain ASGI middleware, outermost.

    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)

A declared `Content-Length` over the limit is refused at once, before the app (authentication, CSRF, parsing)
runs. A body without one (chunked) is counted as the app reads it, and the read that crosses the limit raises
`BodyTooLarge`, a 413 that the app's error handlers render like any other. So at most `max_bytes` (plus one
chunk) of a body is ever held, whatever the client sends.
"""

from __future__ import annotations

import json
from typing import TypedDict

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from proctor.grading.submission import MAX_TOTAL_BYTES


class FormLimits(TypedDict, total=False):  # the shape of FastAPI's `form_limits` and request.form()'s arguments
    max_fields: int
    max_files: int
    max_part_size: int


# What the forms need (FastAPI's `form_limits`, and csrf.verify_csrf for forms without Form() parameters): the
# biggest field is a 256 KiB file percent-encoded (up to 3 bytes per byte); the most fields, a 20-file
# submission (name and content each) or an assessment's challenge checkboxes. Nothing is uploaded as a file.
FORM_LIMITS: FormLimits = {"max_fields": 200, "max_files": 0, "max_part_size": 3 * MAX_TOTAL_BYTES}


class BodyTooLarge(HTTPException):
    def __init__(self, max_bytes: int) -> None:
        # Connection: close, so the server drops the connection instead of reading the rest of the body.
        super().__init__(413, f"The request body is larger than the limit of {max_bytes // 1024} KiB.",
                         headers={"Connection": "close"})


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        received = 0
        started = False

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def send_started(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive_limited, send_started)
        except BodyTooLarge:
            # Read outside a handler (the error handlers answer those inside): answered here, if still possible.
            if started:
                raise
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        detail = str(BodyTooLarge(self.max_bytes).detail)
        if scope["path"].startswith("/api/"):
            body, content_type = json.dumps({"detail": detail}).encode(), b"application/json"
        else:
            body, content_type = detail.encode(), b"text/plain; charset=utf-8"
        # The unread body is left in the socket; the server closes the connection after this answer.
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
