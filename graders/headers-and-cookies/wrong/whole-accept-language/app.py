# Answers the whole Accept-Language header instead of its first tag.
import secrets

from fastapi import Cookie, FastAPI, Header, HTTPException, Response
from pydantic import BaseModel, Field

app = FastAPI()

SESSIONS = {}


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=30)


@app.get("/info")
def info(user_agent: str | None = Header(None), accept_language: str | None = Header(None)):
    return {"user_agent": user_agent, "language": accept_language}


@app.get("/source")
def source(x_request_source: str = Header()):
    return {"source": x_request_source}


@app.post("/login")
def login(body: Login, response: Response):
    token = secrets.token_hex(16)
    SESSIONS[token] = body.username
    response.set_cookie(key="session_id", value=token, httponly=True)
    return {"ok": True}


@app.get("/session")
def session(session_id: str | None = Cookie(None)):
    if session_id not in SESSIONS:
        raise HTTPException(status_code=401, detail="Not logged in")
    return {"username": SESSIONS[session_id]}


@app.post("/logout")
def logout(response: Response, session_id: str | None = Cookie(None)):
    SESSIONS.pop(session_id, None)
    response.delete_cookie("session_id")
    return {"ok": True}
