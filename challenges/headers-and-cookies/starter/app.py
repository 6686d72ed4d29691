from fastapi import FastAPI, Header

app = FastAPI()


@app.get("/info")
def info(user_agent: str | None = Header(default=None)):
    # TODO: add "language", the first tag of the Accept-Language header (or null)
    return {"user_agent": user_agent}


# TODO: GET /source, which needs the X-Request-Source header
# TODO: POST /login, GET /session and POST /logout with a session_id cookie
