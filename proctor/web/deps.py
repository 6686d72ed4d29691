"""Dependency aliases the handlers declare: `def show_x(store: StoreDep, user: CurrentUser)`."""

from __future__ import annotations

from typing import Annotated

from fastapi import BackgroundTasks, Depends, HTTPException, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from proctor.grading.packs import Catalog, Challenge, UnknownChallenge
from proctor.settings import Settings
from proctor.store import Store, api_tokens, users
from proctor.store.users import User
from proctor.web import csrf
from proctor.web.auth import LoginRequired, next_url_for, user_from_session
from proctor.web.state import state_of


# These three only read app.state, so they are async: FastAPI runs a plain `def` dependency in the threadpool,
# and the hop costs far more than the attribute lookup (benchmarks/web.py, docs/performance.md).
async def get_store(request: Request) -> Store:
    return state_of(request).store


async def get_catalog(request: Request) -> Catalog:
    return state_of(request).catalog


async def get_settings_dep(request: Request) -> Settings:
    return state_of(request).settings


# The user dependencies are async as well: their reads are two indexed lookups on the event loop's own reader
# connection (WAL readers never wait for the writer), far cheaper than a threadpool hop per request.
def load_user(request: Request) -> User | None:
    user = user_from_session(request)
    request.state.user = user
    return user


def require_user(request: Request) -> User:
    user = load_user(request)
    if user is None:
        raise LoginRequired(next_url_for(request))
    return user


async def get_optional_user(request: Request) -> User | None:
    return load_user(request)


async def get_current_user(request: Request) -> User:
    return require_user(request)


# Declares the scheme in the OpenAPI document (so /docs has "Authorize"), and tells a token from a session.
bearer = HTTPBearer(auto_error=False, description="A personal API token from /account")


async def get_api_user(request: Request, background: BackgroundTasks,
                       credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> User:
    """The API accepts a personal token, or the browser's session (which then needs the CSRF header).

    A token that does not work is refused even beside a session cookie: whoever sent it meant to use it."""
    if credentials is not None:
        store: Store = state_of(request).store
        use = api_tokens.lookup(store, token=credentials.credentials)
        user = users.get(store, user_id=use.user_id) if use else None
        if use is None or user is None:
            raise HTTPException(401, "That token is unknown, revoked or expired.",
                                headers={"WWW-Authenticate": "Bearer"})
        if use.stale:  # after the response, in the threadpool: the write lock is never awaited on the event loop
            background.add_task(api_tokens.record_use, store, token_id=use.token_id)
        request.state.auth = "token"
        return user
    request.state.auth = "session"
    user = require_user(request)
    if request.method not in csrf.SAFE_METHODS and not csrf.request_token_is_valid(
            request, request.headers.get(csrf.HEADER)):
        raise HTTPException(403, "A browser session needs the X-CSRF-Token header; scripts should use an API token.")
    return user


StoreDep = Annotated[Store, Depends(get_store)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
OptionalUser = Annotated[User | None, Depends(get_optional_user)]
CurrentUser = Annotated[User, Depends(get_current_user)]
ApiUser = Annotated[User, Depends(get_api_user)]

# SQLite's INTEGER is a signed 64-bit number: a larger id reached a query as OverflowError (a 500). Declared
# bounds answer 422 before any handler runs, and show in the OpenAPI document.
MAX_ID = 2**63 - 1
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int, Query(ge=1, le=MAX_ID)]


def whole_number(text: str, *, maximum: int) -> int | None:
    """A form or query field as an integer from 0 to `maximum`, or None; never an exception. `str.isdigit()`
    alone let "²" through to int() (a 500), and a 5,000-digit number past Python's conversion limit."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    value = int(text)
    return value if value <= maximum else None


def find_challenge(catalog: Catalog, slug: str) -> Challenge:
    """The challenge, or the 404 page."""
    try:
        return catalog.get(slug)
    except UnknownChallenge:
        raise HTTPException(404, f"There is no challenge called “{slug}”.") from None


async def get_staff_user(request: Request) -> User:
    """Interviewers and admins; a candidate gets 403 (the page exists, it is just not theirs)."""
    user = require_user(request)
    if not user.is_staff:
        raise HTTPException(403, "This page is for interviewers.")
    return user


StaffUser = Annotated[User, Depends(get_staff_user)]
