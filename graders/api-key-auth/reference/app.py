from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Security, status
from fastapi.security import APIKeyHeader

app = FastAPI()

API_KEYS = {"key-alice": "alice", "key-bob": "bob"}

# auto_error=False: a missing header reaches our dependency as None, so we choose the status and message.
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


def current_user(api_key: Annotated[str | None, Security(api_key_header)]) -> str:
    if api_key is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="Missing API key")
    user = API_KEYS.get(api_key)
    if user is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Invalid API key")
    return user


CurrentUser = Annotated[str, Depends(current_user)]

# The router's dependency guards every route, even one that never asks for the user.
# Routes that do ask get the same cached value: the key is checked once per request.
api = APIRouter(prefix="/api", dependencies=[Depends(current_user)])


@api.get("/me")
def read_me(user: CurrentUser):
    return {"user": user}


@api.get("/items")
def read_items(user: CurrentUser):
    return {"user": user, "items": ["apple", "pear"]}


@app.get("/public/ping")
def ping():
    return {"pong": True}


app.include_router(api)
