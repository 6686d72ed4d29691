# Wraps the mailer in an `async def` task that calls the blocking send_welcome directly: the response
# goes out at once, but then the event loop is frozen for a second and no other request is served.
from fastapi import BackgroundTasks, FastAPI, status
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


async def deliver(email: str) -> None:
    send_welcome(email)


@app.post("/signup", status_code=status.HTTP_202_ACCEPTED)
async def signup(body: Signup, background_tasks: BackgroundTasks):
    background_tasks.add_task(deliver, body.email)
    return {"status": "queued"}


@app.get("/outbox")
async def outbox():
    return {"sent": OUTBOX}
