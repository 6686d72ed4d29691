# Checks the username with re.match and no end anchor: only the start is checked, so "bad-name" gets through.
import re
from typing import Optional

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field, field_validator, model_validator

app = FastAPI()

USERS: dict[str, dict] = {}


class Registration(BaseModel):
    username: str
    email: str
    password: str
    password_confirm: str
    age: Optional[int] = Field(None, ge=13, le=120)

    @field_validator("username")
    @classmethod
    def check_username(cls, v):
        if not re.match(r"[A-Za-z0-9_]{3,20}", v):
            raise ValueError("invalid username")
        return v

    @field_validator("email")
    @classmethod
    def check_email(cls, v):
        if not re.fullmatch(r"[^@]+@[^@]*[^@.]\.[^@.][^@]*", v) or v.endswith("."):
            raise ValueError("invalid email")
        return v

    @field_validator("password")
    @classmethod
    def check_password(cls, v):
        if len(v) < 8 or not re.search(r"[A-Za-z]", v) or not re.search(r"[0-9]", v):
            raise ValueError("weak password")
        return v

    @model_validator(mode="after")
    def passwords_match(self):
        if self.password != self.password_confirm:
            raise ValueError("passwords do not match")
        return self


@app.post("/register", status_code=201)
def register(registration: Registration):
    key = registration.username.lower()
    if key in USERS:
        raise HTTPException(status_code=409, detail="Username taken")
    USERS[key] = {"username": key, "email": registration.email, "age": registration.age}
    return USERS[key]
