# Forgets to say 202 Accepted: FastAPI answers 200 by default.
from fastapi import BackgroundTasks, FastAPI
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


@app.post("/signup")
def signup(body: Signup, background_tasks: BackgroundTasks):
    background_tasks.add_task(send_welcome, body.email)
    return {"status": "queued"}


@app.get("/outbox")
def outbox():
    return {"sent": OUTBOX}
