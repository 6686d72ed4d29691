# Returns the stored record as is: no output model, so the password hash goes out with every user.
import hashlib

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

app = FastAPI()

USERS: dict[int, dict] = {}


class UserIn(BaseModel):
    username: str
    email: str
    password: str
    full_name: str | None = None


class UserUpdate(BaseModel):
    email: str | None = None
    full_name: str | None = None


@app.post("/users", status_code=201)
def create_user(user: UserIn):
    user_id = len(USERS) + 1
    stored = {"id": user_id, "username": user.username, "email": user.email, "full_name": user.full_name,
              "hashed_password": hashlib.sha256(user.password.encode()).hexdigest()}
    USERS[user_id] = stored
    return stored


@app.get("/users")
def list_users():
    return [USERS[i] for i in sorted(USERS)]


@app.get("/users/{user_id}")
def read_user(user_id: int):
    if user_id not in USERS:
        raise HTTPException(status_code=404, detail="User not found")
    return USERS[user_id]


@app.patch("/users/{user_id}")
def update_user(user_id: int, update: UserUpdate):
    if user_id not in USERS:
        raise HTTPException(status_code=404, detail="User not found")
    USERS[user_id].update(update.model_dump(exclude_unset=True))
    return USERS[user_id]
