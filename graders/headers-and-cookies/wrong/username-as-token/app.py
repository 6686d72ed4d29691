# Uses the username itself as the session token: anyone can forge a session by guessing a name.
from fastapi import Cookie, FastAPI, Header, HTTPException, Response
from pydantic import BaseModel, Field

app = FastAPI()

SESSIONS: set[str] = set()


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=30)


@app.get("/info")
def info(user_agent: str | None = Header(None), accept_language: str | None = Header(None)):
    language = accept_language.split(",")[0].split(";")[0].strip() if accept_language is not None else None
    return {"user_agent": user_agent, "language": language}


@app.get("/source")
def source(x_request_source: str = Header(...)):
    return {"source": x_request_source}


@app.post("/login")
def login(body: Login, response: Response):
    SESSIONS.add(body.username)
    response.set_cookie("session_id", body.username, httponly=True, path="/")
    return {"ok": True}


@app.get("/session")
def session(session_id: str | None = Cookie(None)):
    if session_id not in SESSIONS:
        raise HTTPException(status_code=401, detail="Not logged in")
    return {"username": session_id}


@app.post("/logout")
def logout(response: Response, session_id: str | None = Cookie(None)):
    SESSIONS.discard(session_id)
    response.delete_cookie("session_id", path="/")
    return {"ok": True}
