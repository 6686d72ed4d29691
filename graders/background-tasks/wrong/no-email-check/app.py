# Takes any string as the email, so "not-an-email" is accepted and mailed.
from fastapi import BackgroundTasks, FastAPI, status
from pydantic import BaseModel

from mailer import OUTBOX, send_welcome

app = FastAPI()


class Signup(BaseModel):
    email: str


@app.post("/signup", status_code=status.HTTP_202_ACCEPTED)
def signup(body: Signup, background_tasks: BackgroundTasks):
    background_tasks.add_task(send_welcome, body.email)
    return {"status": "queued"}


@app.get("/outbox")
def outbox():
    return {"sent": OUTBOX}
