from typing import Annotated

from fastapi import BackgroundTasks, FastAPI, status
from pydantic import AfterValidator, BaseModel

import mailer

app = FastAPI()


def must_have_at(value: str) -> str:
    if "@" not in value:
        raise ValueError('an email contains "@"')
    return value


class Signup(BaseModel):
    email: Annotated[str, AfterValidator(must_have_at)]


@app.post("/signup", status_code=status.HTTP_202_ACCEPTED)
def signup(body: Signup, background_tasks: BackgroundTasks):
    # A plain `def` task: Starlette runs it in the thread pool once the response is sent,
    # so its time.sleep blocks neither the client nor the event loop.
    background_tasks.add_task(mailer.send_welcome, body.email)
    return {"status": "queued"}


@app.get("/outbox")
def outbox():
    return {"sent": mailer.OUTBOX}
