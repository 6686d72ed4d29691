"""The error answers the API declares, so its OpenAPI document names every status a client can meet.

    @router.get("/{id}", responses=errors(404))

Every API route may answer 401 (no or a bad token), 413 (a body over the limit) and 429 (rate limits); the
router adds those. 422 (invalid parameters or body) is declared by FastAPI itself wherever there are any.
"""

from __future__ import annotations

from typing import Any

from proctor.web.api.schemas import ErrorBody

WHY = {
    400: "The request cannot be used (for example base64 that is not UTF-8 text).",
    401: "No token, or one that is unknown, revoked or expired.",
    403: "A browser session without the X-CSRF-Token header, or not allowed now.",
    404: "Not found, or not yours.",
    409: "Not possible in the current state (for example no result yet).",
    413: "The request body or the submitted code is over the limit.",
    422: "Invalid input: the detail says which parameter or field.",
    429: "Too many requests; Retry-After says when to come back.",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each code with its reason and the shared error body."""
    return {code: {"model": ErrorBody, "description": WHY[code]} for code in codes}


# On every API route.
COMMON = errors(401, 413, 429)
