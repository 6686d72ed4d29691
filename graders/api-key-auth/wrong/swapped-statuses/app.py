# Mixes up 401 and 403: "forbidden" for a missing key, "unauthorized" for a wrong one.
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Security
from fastapi.security import APIKeyHeader

app = FastAPI()

API_KEYS = {"key-alice": "alice", "key-bob": "bob"}
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


def current_user(api_key: str | None = Security(api_key_header)) -> str:
    if api_key is None:
        raise HTTPException(403, detail="Missing API key")
    if api_key not in API_KEYS:
        raise HTTPException(401, detail="Invalid API key")
    return API_KEYS[api_key]


api = APIRouter(prefix="/api", dependencies=[Depends(current_user)])


@api.get("/me")
def read_me(user: str = Depends(current_user)):
    return {"user": user}


@api.get("/items")
def read_items(user: str = Depends(current_user)):
    return {"user": user, "items": ["apple", "pear"]}


@app.get("/public/ping")
def ping():
    return {"pong": True}


app.include_router(api)
