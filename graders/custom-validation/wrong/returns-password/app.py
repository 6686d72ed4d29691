# Validates everything, then answers the whole model: the password and its confirmation leak into the answer.
import re
from typing import Annotated, Optional

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field, field_validator, model_validator

app = FastAPI()

TAKEN: set[str] = set()


class Registration(BaseModel):
    username: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{3,20}$")]
    email: Annotated[str, Field(pattern=r"^[^@]+@[^@]*[^@.]\.[^@.][^@]*$")]
    password: str
    password_confirm: str
    age: Annotated[Optional[int], Field(ge=13, le=120)] = None

    @field_validator("username")
    @classmethod
    def lower(cls, v: str) -> str:
        return v.lower()

    @field_validator("email")
    @classmethod
    def no_trailing_dot(cls, v: str) -> str:
        if v.endswith("."):
            raise ValueError("invalid email")
        return v

    @field_validator("password")
    @classmethod
    def strong(cls, v: str) -> str:
        if len(v) < 8 or not re.search(r"[A-Za-z]", v) or not re.search(r"\d", v):
            raise ValueError("weak password")
        return v

    @model_validator(mode="after")
    def match(self):
        if self.password != self.password_confirm:
            raise ValueError("passwords do not match")
        return self


@app.post("/register", status_code=201)
async def register(registration: Registration):
    if registration.username in TAKEN:
        raise HTTPException(status_code=409, detail="Username taken")
    TAKEN.add(registration.username)
    return registration
