# Lower-cases the username only in the answer: "Ann" and "ann" are both allowed to register.
import re
from typing import Optional

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field, field_validator, model_validator

app = FastAPI()

USERS: dict[str, dict] = {}


class Registration(BaseModel):
    username: str = Field(pattern=r"^\w{3,20}$")
    email: str
    password: str = Field(min_length=8)
    password_confirm: str
    age: Optional[int] = Field(None, ge=13, le=120)

    @field_validator("email")
    @classmethod
    def check_email(cls, v):
        local, _, domain = v.partition("@")
        dot = domain.find(".", 1)
        if v.count("@") != 1 or not local or dot < 1 or dot == len(domain) - 1:
            raise ValueError("invalid email")
        return v

    @field_validator("password")
    @classmethod
    def check_password(cls, v):
        if not re.search(r"[A-Za-z]", v) or not re.search(r"\d", v):
            raise ValueError("the password needs a letter and a digit")
        return v

    @model_validator(mode="after")
    def passwords_match(self):
        if self.password != self.password_confirm:
            raise ValueError("passwords do not match")
        return self


@app.post("/register", status_code=201)
def register(registration: Registration):
    if registration.username in USERS:
        raise HTTPException(status_code=409, detail="Username taken")
    USERS[registration.username] = {"username": registration.username.lower(), "email": registration.email,
                                    "age": registration.age}
    return USERS[registration.username]
