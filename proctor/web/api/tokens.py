"""Your personal API tokens: list them (never their secrets) and revoke one. They are created on /account."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response

from proctor.store import api_tokens
from proctor.web.api.responses import errors
from proctor.web.api.schemas import TokenPublic
from proctor.web.deps import ApiUser, IdPath, StoreDep

router = APIRouter(prefix="/tokens", tags=["tokens"])


@router.get("")
def list_tokens(store: StoreDep, user: ApiUser) -> list[TokenPublic]:
    return [TokenPublic(id=t.id, name=t.name, created_at=t.created_at, expires_at=t.expires_at,
                        last_used_at=t.last_used_at) for t in api_tokens.list_for(store, user_id=user.id)]


@router.delete("/{token_id}", status_code=204, responses=errors(403, 404))
def revoke_token(token_id: IdPath, store: StoreDep, user: ApiUser) -> Response:
    """Revoke one of your tokens (the one making this request too): it answers 401 from then on."""
    if not api_tokens.delete(store, user_id=user.id, token_id=token_id):
        raise HTTPException(404, "no such token")
    return Response(status_code=204)
