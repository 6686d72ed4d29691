# Types everything but forgets the bounds: user 0, skip -1 and limit 1000 are all accepted.
from fastapi import FastAPI

app = FastAPI()

CATALOG = [f"item-{i}" for i in range(1, 51)]


@app.get("/users/{user_id}")
def read_user(user_id: int):
    return {"user_id": user_id}


@app.get("/items")
def list_items(skip: int = 0, limit: int = 10):
    return {"skip": skip, "limit": limit, "items": CATALOG[skip:skip + limit]}


@app.get("/search")
def search(q: str):
    return {"q": q, "results": [c for c in CATALOG if q in c]}
