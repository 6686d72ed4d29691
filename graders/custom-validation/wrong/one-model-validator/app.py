# Puts every check in one model validator: the 422s are right but all point at ["body"], not at the field.
import re
from typing import Optional

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, model_validator

app = FastAPI()

USERS: dict[str, dict] = {}


class Registration(BaseModel):
    username: str
    email: str
    password: str
    password_confirm: str
    age: Optional[int] = None

    @model_validator(mode="after")
    def check_everything(self):
        if not re.fullmatch(r"[A-Za-z0-9_]{3,20}", self.username):
            raise ValueError("invalid username")
        local, _, domain = self.email.partition("@")
        if self.email.count("@") != 1 or not local or "." not in domain.strip(".") or domain.startswith(".") \
                or domain.endswith("."):
            raise ValueError("invalid email")
        if len(self.password) < 8 or not re.search(r"[A-Za-z]", self.password) \
                or not re.search(r"\d", self.password):
            raise ValueError("weak password")
        if self.password != self.password_confirm:
            raise ValueError("passwords do not match")
        if self.age is not None and not 13 <= self.age <= 120:
            raise ValueError("invalid age")
        return self


@app.post("/register", status_code=201)
def register(registration: Registration):
    key = registration.username.lower()
    if key in USERS:
        raise HTTPException(status_code=409, detail="Username taken")
    USERS[key] = {"username": key, "email": registration.email, "age": registration.age}
    return USERS[key]
