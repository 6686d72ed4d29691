# The given routes "tidied": /items/{item_id} answers {"id": ...} and /slow answers nothing.
import asyncio
import re
import time
import uuid

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI()

VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


@app.middleware("http")
async def request_context(request: Request, call_next):
    started = time.perf_counter()
    incoming = request.headers.get("x-request-id", "")
    request_id = incoming if VALID_REQUEST_ID.fullmatch(incoming) else str(uuid.uuid4())
    request.state.request_id = request_id
    try:
        response = await call_next(request)
    except Exception:
        # The route crashed: answer the 500 here, so it carries the headers too.
        response = JSONResponse({"detail": "Internal Server Error"}, status_code=500)
    response.headers["X-Request-ID"] = request_id
    response.headers["X-Process-Time"] = f"{time.perf_counter() - started:.6f}"
    return response


@app.get("/whoami")
def whoami(request: Request):
    return {"request_id": request.state.request_id}


@app.get("/slow")
async def slow():
    await asyncio.sleep(0.2)


@app.get("/boom")
def boom():
    raise RuntimeError("boom")


@app.get("/items/{item_id}")
def read_item(item_id: int):
    return {"id": item_id}
