# Gives X-Request-Source a default of None, so a request without it answers 200 {"source": null}, not 422.
import uuid
from typing import Optional

from fastapi import Cookie, FastAPI, Header, HTTPException, Response
from pydantic import BaseModel, Field

app = FastAPI()

SESSIONS: dict[str, str] = {}


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=30)


@app.get("/info")
async def info(user_agent: Optional[str] = Header(None), accept_language: Optional[str] = Header(None)):
    language = accept_language.split(",")[0].split(";")[0].strip() if accept_language else None
    return {"user_agent": user_agent, "language": language}


@app.get("/source")
async def source(x_request_source: Optional[str] = Header(None)):
    return {"source": x_request_source}


@app.post("/login")
async def login(body: Login, response: Response):
    token = str(uuid.uuid4())
    SESSIONS[token] = body.username
    response.set_cookie("session_id", token, httponly=True, path="/")
    return {"ok": True}


@app.get("/session")
async def session(session_id: Optional[str] = Cookie(None)):
    if not session_id or session_id not in SESSIONS:
        raise HTTPException(401, "Not logged in")
    return {"username": SESSIONS[session_id]}


@app.post("/logout")
async def logout(response: Response, session_id: Optional[str] = Cookie(None)):
    SESSIONS.pop(session_id or "", None)
    response.delete_cookie("session_id", path="/")
    return {"ok": True}
