# Guards slow_report with a lock 'to be thread-safe', which makes all reports wait in line.
import threading

from fastapi import FastAPI

from services import fetch_quote, slow_report

app = FastAPI()
report_lock = threading.Lock()


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.get("/quotes/{i}")
async def quote(i: int):
    # fetch_quote awaits: an async def route lets the event loop serve others meanwhile.
    return {"quote": await fetch_quote(i)}


@app.get("/reports/{i}")
def report(i: int):
    # slow_report blocks: a plain def route runs in FastAPI's thread pool, off the event loop.
    with report_lock:
        return {"report": slow_report(i)}
