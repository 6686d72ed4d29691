# Slices CATALOG[skip:limit] instead of CATALOG[skip:skip + limit]: right only while skip is 0.
from fastapi import FastAPI, Path, Query

app = FastAPI()

CATALOG = [f"item-{i}" for i in range(1, 51)]


@app.get("/users/{user_id}")
def read_user(user_id: int = Path(ge=1)):
    return {"user_id": user_id}


@app.get("/items")
def list_items(skip: int = Query(0, ge=0), limit: int = Query(10, ge=1, le=100)):
    return {"skip": skip, "limit": limit, "items": CATALOG[skip:limit]}


@app.get("/search")
def search(q: str = Query(min_length=2)):
    return {"q": q, "results": [c for c in CATALOG if q in c]}
