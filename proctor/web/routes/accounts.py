"""Sign up, log in, log out, and personal API tokens."""

from __future__ import annotations

import asyncio
import math
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from proctor.store import Store, api_tokens, login_attempts, signup_attempts, users
from proctor.store.database import now
from proctor.store.passwords import dummy_hash, hash_password, password_problem, verify_password
from proctor.store.users import User
from proctor.web.auth import end_session, safe_next, start_session
from proctor.web.csrf import verify_csrf
from proctor.web.deps import CurrentUser, IdPath, OptionalUser, SettingsDep, StoreDep
from proctor.web.templating import is_htmx, render

router = APIRouter(dependencies=[Depends(verify_csrf)], tags=["accounts"])
# How long an attempt waits when its email or its address has failed very often (login_attempts.slow_down).
SLOWDOWN_SECONDS = 2.0
# Said for an email that already has an account too: the sign-up form does not tell who is registered.
SIGNUP_REFUSED = ("We could not create an account with that email and password. If you already have an "
                  "account, log in instead.")


def client_address(request: Request) -> str:
    # uvicorn puts the X-Forwarded-For address here when the request came through a trusted proxy.
    return request.client.host if request.client else "unknown"


@router.get("/login")
def show_login(request: Request, user: OptionalUser, next: str = "/") -> Response:
    return render(request, "login.html", {"next": safe_next(next), "error": None, "email": ""}, block="form")


@router.post("/login")
async def login(request: Request, store: StoreDep, settings: SettingsDep, email: Annotated[str, Form()],
                password: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:
    email = users.normalise_email(email)
    ip = client_address(request)
    context = {"next": safe_next(next), "email": email}
    wait = login_attempts.wait_seconds(store, email=email, ip=ip, free_failures=settings.login_failures_allowed)
    if wait > 0:
        seconds = math.ceil(wait)
        return render(request, "login.html", {**context, "error": "Too many failed attempts. "
                      f"Wait {_duration(seconds)}, then try again."}, block="form", status_code=429,
                      headers={"Retry-After": str(seconds)})
    if login_attempts.slow_down(store, email=email, ip=ip):
        await asyncio.sleep(SLOWDOWN_SECONDS)  # on the event loop: a slowed attempt holds no thread
    # argon2 and the write run on a thread, like a plain `def` handler's body.
    return await run_in_threadpool(_check_password, request, store, email, ip, password, context)


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _check_password(request: Request, store: Store, email: str, ip: str, password: str,
                    context: dict[str, str]) -> Response:
    user = users.get_by_email(store, email=email)
    ok = verify_password(password, user.password_hash if user else dummy_hash()) and user is not None
    login_attempts.record(store, email=email, ip=ip, succeeded=ok)
    if not ok or user is None:
        return render(request, "login.html", {**context, "error": "That email and password do not match."},
                      block="form", status_code=400)
    response = RedirectResponse(context["next"], status_code=303)
    start_session(request, response, user=user)
    return response


@router.get("/signup")
def show_signup(request: Request, user: OptionalUser, next: str = "/", email: str = "") -> Response:
    return render(request, "signup.html", {"error": None, "email": email[:254], "next": safe_next(next)},
                  block="form")


@router.post("/signup")
def signup(request: Request, store: StoreDep, settings: SettingsDep, email: Annotated[str, Form()],
           password: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:
    email = users.normalise_email(email)
    next = safe_next(next)
    ip = client_address(request)
    wait = signup_attempts.wait_seconds(store, ip=ip, allowed=settings.signups_per_hour)
    if wait > 0:
        return _signup_refused(request, email, next, "Too many sign-ups from your network. Try again in "
                               f"{_duration(math.ceil(wait))}.", status_code=429,
                               headers={"Retry-After": str(math.ceil(wait))})
    error = "Enter an email address." if "@" not in email or len(email) > 254 else password_problem(password)
    if error:
        return _signup_refused(request, email, next, error)
    signup_attempts.record(store, ip=ip)
    # Hashed before the email is looked up, so a taken email costs the same time as a new one.
    password_hash = hash_password(password)
    try:
        user = users.create(store, email=email, password_hash=password_hash, role="candidate")
    except users.EmailTaken:
        return _signup_refused(request, email, next, SIGNUP_REFUSED)
    response = RedirectResponse(next, status_code=303)
    start_session(request, response, user=user)
    return response


def _signup_refused(request: Request, email: str, next: str, error: str, *, status_code: int = 400,
                    headers: dict[str, str] | None = None) -> Response:
    return render(request, "signup.html", {"error": error, "email": email, "next": next}, block="form",
                  status_code=status_code, headers=headers)


@router.post("/logout")
def logout(request: Request) -> Response:
    response = RedirectResponse("/", status_code=303)
    end_session(request, response)
    return response


@router.get("/account")
def show_account(request: Request, store: StoreDep, user: CurrentUser) -> Response:
    return render_tokens(request, store, user)


# A token lasts this many days; "never" lives until it is revoked.
TOKEN_LIFETIMES = {"7": 7, "30": 30, "90": 90, "never": None}


def render_tokens(request: Request, store: Store, user: User, *, new_token: str | None = None,
                  error: str | None = None, name: str = "API token", expires: str = "30",
                  status_code: int = 200) -> Response:
    """The token list and form; after an error the form keeps what was typed."""
    context = {"tokens": api_tokens.list_for(store, user_id=user.id), "new_token": new_token, "error": error,
               "name": name, "expires": expires, "now": now(), "lifetimes": TOKEN_LIFETIMES,
               "max_tokens": api_tokens.MAX_ACTIVE}
    return render(request, "account.html", context, block="tokens", status_code=status_code)


@router.post("/account/tokens")
def create_token(request: Request, store: StoreDep, user: CurrentUser,
                 name: Annotated[str, Form(max_length=100)] = "API token",
                 expires: Annotated[str, Form(max_length=10)] = "30") -> Response:
    if expires not in TOKEN_LIFETIMES:
        return render_tokens(request, store, user, error="Choose when the token expires.", name=name,
                             status_code=400)
    days = TOKEN_LIFETIMES[expires]
    try:
        _, secret = api_tokens.create(store, user_id=user.id, name=name.strip() or "API token",
                                      lifetime_seconds=None if days is None else days * 86400)
    except api_tokens.TooManyTokens as exc:
        return render_tokens(request, store, user, error=str(exc), name=name, expires=expires, status_code=400)
    return render_tokens(request, store, user, new_token=secret)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, store: StoreDep, user: CurrentUser, token_id: IdPath) -> Response:
    if not api_tokens.delete(store, user_id=user.id, token_id=token_id):
        # A second click, or another tab, got there first: the list as it is now, and why.
        return render_tokens(request, store, user, error="That token is already revoked.", status_code=404)
    if is_htmx(request):
        return render_tokens(request, store, user)
    return RedirectResponse("/account", status_code=303)
