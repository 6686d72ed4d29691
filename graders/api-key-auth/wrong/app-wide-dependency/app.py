# Puts the key check on the whole app instead of the /api router, so the public ping needs a key too.
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Security
from fastapi.security import APIKeyHeader

API_KEYS = {"key-alice": "alice", "key-bob": "bob"}
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


def current_user(request: Request, api_key: str | None = Security(api_key_header)) -> str:
    if api_key is None:
        raise HTTPException(401, detail="Missing API key")
    if api_key not in API_KEYS:
        raise HTTPException(403, detail="Invalid API key")
    request.state.user = API_KEYS[api_key]
    return API_KEYS[api_key]


app = FastAPI(dependencies=[Depends(current_user)])
api = APIRouter(prefix="/api")


@api.get("/me")
def read_me(request: Request):
    return {"user": request.state.user}


@api.get("/items")
def read_items(request: Request):
    return {"user": request.state.user, "items": ["apple", "pear"]}


@app.get("/public/ping")
def ping():
    return {"pong": True}


app.include_router(api)
