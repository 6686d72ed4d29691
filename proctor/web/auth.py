"""Who is asking: the signed session cookie (API tokens are read in deps.get_api_user)."""

from __future__ import annotations

import time
from functools import lru_cache
from urllib.parse import quote

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from proctor.store import sessions
from proctor.store.users import User
from proctor.web.state import state_of

SESSION_COOKIE = "proctor_session"


class LoginRequired(Exception):
    """Raised by the CurrentUser dependency; pages redirect to /login?next=..., the API answers 401."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


@lru_cache(maxsize=4)  # building one derives its key; every request checks a cookie
def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="proctor-session")


def start_session(request: Request, response: Response, *, user: User) -> None:
    settings = state_of(request).settings
    lifetime = settings.session_days * 86400
    session_id = sessions.create(state_of(request).store, user_id=user.id, lifetime_seconds=lifetime)
    response.set_cookie(SESSION_COOKIE, _serializer(settings.secret_key).dumps(session_id), max_age=lifetime,
                        httponly=True, samesite="lax", path="/",
                        secure=settings.secure_cookies or request.url.scheme == "https")


def end_session(request: Request, response: Response) -> None:
    session_id = session_id_from(request)
    if session_id:
        sessions.delete(state_of(request).store, session_id=session_id)
    response.delete_cookie(SESSION_COOKIE, path="/")


def session_id_from(request: Request) -> str | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    settings = state_of(request).settings
    signed = _verified(settings.secret_key, raw)
    # The age is checked on every request; only the signature check is remembered.
    if signed is None or time.time() - signed[1] > settings.session_days * 86400:
        return None
    return signed[0]


@lru_cache(maxsize=4096)
def _verified(secret_key: str, raw: str) -> tuple[str, float] | None:
    """The cookie's session id and signing time, if the signature holds: a pure function of its arguments."""
    try:
        value, signed_at = _serializer(secret_key).loads(raw, return_timestamp=True)
    except BadSignature:
        return None
    return (value, signed_at.timestamp()) if isinstance(value, str) else None


def user_from_session(request: Request) -> User | None:
    session_id = session_id_from(request)
    if not session_id:
        return None
    return sessions.user_for(state_of(request).store, session_id=session_id)


def next_url_for(request: Request) -> str:
    """Where to come back to after logging in: the page itself, or for htmx the page it was sent from."""
    current = request.headers.get("HX-Current-URL")
    if current:
        from urllib.parse import urlsplit

        parts = urlsplit(current)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def login_url(next_url: str) -> str:
    return "/login?next=" + quote(next_url, safe="/")


def signup_url(next_url: str) -> str:
    return "/signup?next=" + quote(next_url, safe="/")


def safe_next(next_url: str | None) -> str:
    """Only a path on this site: no scheme, no host, no //evil.example."""
    if not next_url or not next_url.startswith("/") or next_url.startswith("//") or "\\" in next_url:
        return "/"
    return next_url
