# Checks the ranges by hand and answers 400 Bad Request instead of FastAPI's 422.
from fastapi import FastAPI, HTTPException

app = FastAPI()

CATALOG = [f"item-{i}" for i in range(1, 51)]


@app.get("/users/{user_id}")
def read_user(user_id: int):
    if user_id < 1:
        raise HTTPException(status_code=400, detail="user_id must be >= 1")
    return {"user_id": user_id}


@app.get("/items")
def list_items(skip: int = 0, limit: int = 10):
    if skip < 0 or not 1 <= limit <= 100:
        raise HTTPException(status_code=400, detail="skip or limit out of range")
    return {"skip": skip, "limit": limit, "items": CATALOG[skip:skip + limit]}


@app.get("/search")
def search(q: str = ""):
    if len(q) < 2:
        raise HTTPException(status_code=400, detail="q must be at least 2 characters")
    return {"q": q, "results": [c for c in CATALOG if q in c]}
