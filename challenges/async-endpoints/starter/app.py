from fastapi import FastAPI

from services import fetch_quote, slow_report

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


# TODO: GET /quotes/{i} -> {"quote": <what fetch_quote(i) gives>}
#       fetch_quote is a coroutine function: it must be awaited.


# TODO: GET /reports/{i} -> {"report": slow_report(i)}
#       slow_report blocks its thread for 0.3 s: don't let it block the event loop.
