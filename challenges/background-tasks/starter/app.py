from fastapi import BackgroundTasks, FastAPI
from pydantic import BaseModel

from mailer import OUTBOX, send_welcome

app = FastAPI()


class Signup(BaseModel):
    email: str  # TODO: refuse (422) an email without "@"


@app.post("/signup")
def signup(body: Signup):
    # TODO: answer 202 at once, and send the welcome mail (send_welcome) after the response.
    return {"status": "queued"}


@app.get("/outbox")
def outbox():
    # TODO: list the addresses that were sent, in send order
    return {"sent": []}
