# Forgets to await fetch_quote, so the route returns a coroutine object instead of a string.
from fastapi import FastAPI

from services import fetch_quote, slow_report

app = FastAPI()


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.get("/quotes/{i}")
async def quote(i: int):
    # fetch_quote awaits: an async def route lets the event loop serve others meanwhile.
    return {"quote": fetch_quote(i)}


@app.get("/reports/{i}")
def report(i: int):
    # slow_report blocks: a plain def route runs in FastAPI's thread pool, off the event loop.
    return {"report": slow_report(i)}
