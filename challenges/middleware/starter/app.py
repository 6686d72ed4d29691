import asyncio

from fastapi import FastAPI

app = FastAPI()


# TODO: a middleware that adds X-Process-Time and X-Request-ID to every response (errors included)


# TODO: GET /whoami -> {"request_id": <the id in this response's X-Request-ID header>}


# Given: keep these routes as they are.
@app.get("/slow")
async def slow():
    await asyncio.sleep(0.2)
    return {"slept": 0.2}


@app.get("/boom")
def boom():
    raise RuntimeError("boom")


@app.get("/items/{item_id}")
def read_item(item_id: int):
    return {"item_id": item_id}
