# Makes every route async def, so the blocking slow_report runs on the event loop.
from fastapi import FastAPI

from services import fetch_quote, slow_report

app = FastAPI()


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.get("/quotes/{i}")
async def quote(i: int):
    # fetch_quote awaits: an async def route lets the event loop serve others meanwhile.
    return {"quote": await fetch_quote(i)}


@app.get("/reports/{i}")
async def report(i: int):
    return {"report": slow_report(i)}
