# PATCH dumps the whole update model, so every field left out of the body is overwritten with None.
import hashlib
from itertools import count

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

app = FastAPI()

USERS: dict[int, dict] = {}
_ids = count(1)


class UserIn(BaseModel):
    username: str
    email: str
    password: str
    full_name: str | None = None


class UserOut(BaseModel):
    id: int
    username: str
    email: str
    full_name: str | None = None


class UserUpdate(BaseModel):
    email: str | None = None
    full_name: str | None = None


def hash_password(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def get_or_404(user_id: int) -> dict:
    user = USERS.get(user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="User not found")
    return user


@app.post("/users", response_model=UserOut, status_code=201)
def create_user(user: UserIn):
    stored = user.model_dump(exclude={"password"})
    stored["id"] = next(_ids)
    stored["hashed_password"] = hash_password(user.password)
    USERS[stored["id"]] = stored
    return stored


@app.get("/users", response_model=list[UserOut])
def list_users():
    return [USERS[i] for i in sorted(USERS)]


@app.get("/users/{user_id}", response_model=UserOut)
def read_user(user_id: int):
    return get_or_404(user_id)


@app.patch("/users/{user_id}", response_model=UserOut)
def update_user(user_id: int, update: UserUpdate):
    stored = get_or_404(user_id)
    stored.update(update.model_dump())
    return stored
