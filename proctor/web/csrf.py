"""CSRF protection: a random cookie, and a token derived from it that every unsafe request must echo.

The token is an HMAC of the cookie under the secret key, sent as the `csrf_token` form field or the
`X-CSRF-Token` header (htmx sends it from <body hx-headers>). A cross-site page can neither read the cookie
nor compute the token, and SameSite=Lax keeps the session cookie off most cross-site posts besides.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache

from fastapi import HTTPException, Request

COOKIE = "proctor_csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def new_cookie_value() -> str:
    return secrets.token_urlsafe(24)


@lru_cache(maxsize=4096)  # every page carries the token: one HMAC per browser, not per request
def token_for(secret_key: str, cookie_value: str) -> str:
    return hmac.new(secret_key.encode(), b"csrf:" + cookie_value.encode(), hashlib.sha256).hexdigest()


def token_is_valid(secret_key: str, cookie_value: str | None, token: str | None) -> bool:
    if not cookie_value or not token:
        return False
    return hmac.compare_digest(token_for(secret_key, cookie_value), token)


async def verify_csrf(request: Request) -> None:
    """A router dependency: refuse an unsafe request without a valid token (403)."""
    if request.method in SAFE_METHODS:
        return
    token = request.headers.get(HEADER)
    if token is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(FIELD)
        token = value if isinstance(value, str) else None
    if not token_is_valid(request.app.state.settings.secret_key, request.cookies.get(COOKIE), token):
        raise HTTPException(403, "The form expired or came from another site. Reload the page and try again.")
