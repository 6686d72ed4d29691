# Sends the welcome mail inside the handler: the client waits the whole second for its 202.
from fastapi import FastAPI, status
from pydantic import BaseModel, field_validator

from mailer import OUTBOX, send_welcome

app = FastAPI()


class Signup(BaseModel):
    email: str

    @field_validator("email")
    @classmethod
    def has_at(cls, v: str) -> str:
        if "@" not in v:
            raise ValueError("invalid email")
        return v


@app.post("/signup", status_code=status.HTTP_202_ACCEPTED)
def signup(body: Signup):
    send_welcome(body.email)
    return {"status": "queued"}


@app.get("/outbox")
def outbox():
    return {"sent": OUTBOX}
