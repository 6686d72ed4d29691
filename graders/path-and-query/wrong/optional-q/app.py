# Gives q a default of None, so a missing q searches for everything instead of answering 422.
from typing import Optional

from fastapi import FastAPI, Path, Query

app = FastAPI()

CATALOG = [f"item-{i}" for i in range(1, 51)]


@app.get("/users/{user_id}")
async def read_user(user_id: int = Path(..., gt=0)):
    return {"user_id": user_id}


@app.get("/items")
async def list_items(skip: int = Query(0, ge=0), limit: int = Query(10, ge=1, le=100)):
    return {"skip": skip, "limit": limit, "items": CATALOG[skip:skip + limit]}


@app.get("/search")
async def search(q: Optional[str] = Query(None, min_length=2)):
    return {"q": q, "results": [c for c in CATALOG if q is None or q in c]}
