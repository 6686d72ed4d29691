# Hands the blocking call to a private pool of 2 threads, so 10 reports take 5 rounds.
import asyncio
from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI

from services import fetch_quote, slow_report

app = FastAPI()
report_pool = ThreadPoolExecutor(max_workers=2)


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.get("/quotes/{i}")
async def quote(i: int):
    # fetch_quote awaits: an async def route lets the event loop serve others meanwhile.
    return {"quote": await fetch_quote(i)}


@app.get("/reports/{i}")
async def report(i: int):
    loop = asyncio.get_running_loop()
    return {"report": await loop.run_in_executor(report_pool, slow_report, i)}
