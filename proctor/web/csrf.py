"""CSRF protection: a random cookie, and a token derived from it and the login session that every unsafe
request must echo.

The token is an HMAC, under the secret key, of the cookie and of the session id (empty before logging in),
sent as the `csrf_token` form field or the `X-CSRF-Token` header (htmx sends it from <body hx-headers>). A
cross-site page can neither read the cookie nor compute the token. Tying it to the session means that a
cookie and token pair obtained elsewhere (an attacker's own visit, planted in the victim's browser from a
sibling subdomain) is worthless once the victim has logged in, and a new login needs a new token.
SameSite=Lax keeps the session cookie off most cross-site posts besides.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache

from fastapi import HTTPException, Request

from proctor.web.auth import session_id_from
from proctor.web.body_limit import FORM_LIMITS
from proctor.web.state import state_of

COOKIE = "proctor_csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def new_cookie_value() -> str:
    return secrets.token_urlsafe(24)


@lru_cache(maxsize=4096)  # every page carries the token: one HMAC per browser and session, not per request
def token_for(secret_key: str, cookie_value: str, session_id: str = "") -> str:
    message = b"csrf:" + cookie_value.encode() + b":" + session_id.encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def token_is_valid(secret_key: str, cookie_value: str | None, token: str | None, session_id: str = "") -> bool:
    if not cookie_value or not token:
        return False
    return hmac.compare_digest(token_for(secret_key, cookie_value, session_id), token)


def request_token(request: Request) -> str:
    """The token this request's pages carry: for its CSRF cookie and its login session."""
    return token_for(state_of(request).settings.secret_key, request.state.csrf_cookie, session_id_from(request) or "")


def request_token_is_valid(request: Request, token: str | None) -> bool:
    return token_is_valid(state_of(request).settings.secret_key, request.cookies.get(COOKIE), token,
                          session_id_from(request) or "")


async def verify_csrf(request: Request) -> None:
    """A router dependency: refuse an unsafe request without a valid token (403)."""
    if request.method in SAFE_METHODS:
        return
    token = request.headers.get(HEADER)
    if token is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        # Parsed once, with the same limits as FastAPI's Form() parameters (which then reuse it).
        form = await request.form(**FORM_LIMITS)
        value = form.get(FIELD)
        token = value if isinstance(value, str) else None
    if not request_token_is_valid(request, token):
        raise HTTPException(403, "The form expired or came from another site. Reload the page and try again.")
