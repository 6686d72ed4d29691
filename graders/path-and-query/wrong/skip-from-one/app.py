# An off-by-one bound: skip must be at least 1, so an explicit ?skip=0 is refused.
from typing import Annotated

from fastapi import FastAPI, Path, Query

app = FastAPI()

CATALOG = [f"item-{i}" for i in range(1, 51)]


@app.get("/users/{user_id}")
def read_user(user_id: Annotated[int, Path(ge=1)]):
    return {"user_id": user_id}


@app.get("/items")
async def list_items(
    skip: Annotated[int, Query(ge=1)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
):
    return {"skip": skip, "limit": limit, "items": CATALOG[skip:skip + limit]}


@app.get("/search")
def search(q: Annotated[str, Query(min_length=2)]):
    return {"q": q, "results": [c for c in CATALOG if q in c]}
