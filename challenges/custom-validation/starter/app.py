from typing import Optional

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Registration(BaseModel):
    # TODO: the rules from the prompt, as field and model validators
    username: str
    email: str
    password: str
    password_confirm: str
    age: Optional[int] = None


@app.post("/register")
def register(registration: Registration):
    # TODO: 201, a lower-cased username, no password in the answer, 409 for a taken username
    return registration
