# Sets the session cookie without HttpOnly, so any script on the page can read the token.
import secrets

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

app = FastAPI()

SESSIONS: dict[str, str] = {}


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=30)


@app.get("/info")
def info(request: Request):
    language = request.headers.get("accept-language")
    if language is not None:
        language = language.split(",")[0].split(";")[0].strip()
    return {"user_agent": request.headers.get("user-agent"), "language": language}


@app.get("/source")
def source(request: Request):
    if "x-request-source" not in request.headers:
        raise HTTPException(status_code=422, detail="X-Request-Source is required")
    return {"source": request.headers["x-request-source"]}


@app.post("/login")
def login(body: Login):
    token = secrets.token_urlsafe(24)
    SESSIONS[token] = body.username
    response = JSONResponse({"ok": True})
    response.set_cookie("session_id", token, path="/")
    return response


@app.get("/session")
def session(request: Request):
    token = request.cookies.get("session_id")
    if token not in SESSIONS:
        raise HTTPException(status_code=401, detail="Not logged in")
    return {"username": SESSIONS[token]}


@app.post("/logout")
def logout(request: Request):
    SESSIONS.pop(request.cookies.get("session_id", ""), None)
    response = JSONResponse({"ok": True})
    response.delete_cookie("session_id", path="/")
    return response
