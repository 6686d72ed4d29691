from fastapi import APIRouter, Depends, FastAPI, HTTPException, Security
from fastapi.security import APIKeyHeader

app = FastAPI()

API_KEYS = {"key-alice": "alice", "key-bob": "bob"}

# TODO: a security scheme that reads the X-API-Key header, and one dependency that checks the key:
#       missing -> 401 {"detail": "Missing API key"}, unknown -> 403 {"detail": "Invalid API key"}.

api = APIRouter(prefix="/api")  # TODO: protect every route of this router with that dependency


@api.get("/me")
def read_me():
    return {"user": None}  # TODO: the key's user


@api.get("/items")
def read_items():
    return {"user": None, "items": ["apple", "pear"]}  # TODO: the key's user


@app.get("/public/ping")
def ping():
    return {"pong": True}


app.include_router(api)
