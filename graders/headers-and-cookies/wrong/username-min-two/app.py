# An off-by-one minimum: a 1-character username is refused.
import secrets
from typing import Annotated

from fastapi import Cookie, FastAPI, Header, HTTPException, Response
from pydantic import BaseModel, Field

app = FastAPI()

SESSIONS: dict[str, str] = {}  # token -> username


class Login(BaseModel):
    username: str = Field(min_length=2, max_length=30)


@app.get("/info")
def info(
    user_agent: Annotated[str | None, Header()] = None,
    accept_language: Annotated[str | None, Header()] = None,
):
    language = None
    if accept_language is not None:
        language = accept_language.split(",")[0].split(";")[0].strip()
    return {"user_agent": user_agent, "language": language}


@app.get("/source")
def source(x_request_source: Annotated[str, Header()]):
    return {"source": x_request_source}


@app.post("/login")
def login(body: Login, response: Response):
    token = secrets.token_urlsafe(32)
    SESSIONS[token] = body.username
    response.set_cookie("session_id", token, httponly=True, path="/", samesite="lax")
    return {"ok": True}


@app.get("/session")
async def session(session_id: Annotated[str | None, Cookie()] = None):
    if session_id is None or session_id not in SESSIONS:
        raise HTTPException(status_code=401, detail="Not logged in")
    return {"username": SESSIONS[session_id]}


@app.post("/logout")
def logout(response: Response, session_id: Annotated[str | None, Cookie()] = None):
    if session_id is not None:
        SESSIONS.pop(session_id, None)
    response.delete_cookie("session_id", path="/")
    return {"ok": True}
