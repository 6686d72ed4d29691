# Validates in the route and raises HTTPException(422): right status, but not FastAPI's error format.
import re
from typing import Optional

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

app = FastAPI()

USERS: dict[str, dict] = {}


class Registration(BaseModel):
    username: str
    email: str
    password: str
    password_confirm: str
    age: Optional[int] = None


@app.post("/register", status_code=201)
def register(r: Registration):
    if not re.fullmatch(r"[A-Za-z0-9_]{3,20}", r.username):
        raise HTTPException(status_code=422, detail="Invalid username")
    if not re.fullmatch(r"[^@]+@[^@.][^@]*\.[^@]*[^@.]", r.email):
        raise HTTPException(status_code=422, detail="Invalid email")
    if len(r.password) < 8 or not re.search(r"[A-Za-z]", r.password) or not re.search(r"\d", r.password):
        raise HTTPException(status_code=422, detail="Weak password")
    if r.password != r.password_confirm:
        raise HTTPException(status_code=422, detail="Passwords do not match")
    if r.age is not None and not 13 <= r.age <= 120:
        raise HTTPException(status_code=422, detail="Invalid age")
    key = r.username.lower()
    if key in USERS:
        raise HTTPException(status_code=409, detail="Username taken")
    USERS[key] = {"username": key, "email": r.email, "age": r.age}
    return USERS[key]
