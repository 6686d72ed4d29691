# Reads the key with a plain Header parameter: it works, but the OpenAPI schema declares no security
# scheme, so /docs has no Authorize button and clients generated from the schema send no key.
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException

app = FastAPI()

API_KEYS = {"key-alice": "alice", "key-bob": "bob"}


def current_user(x_api_key: str | None = Header(default=None)) -> str:
    if x_api_key is None:
        raise HTTPException(401, detail="Missing API key")
    if x_api_key not in API_KEYS:
        raise HTTPException(403, detail="Invalid API key")
    return API_KEYS[x_api_key]


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
