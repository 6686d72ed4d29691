from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()

# In-memory storage: id -> stored user (keep the password's hash here, never the password).
USERS: dict[int, dict] = {}


class UserIn(BaseModel):
    username: str
    email: str
    password: str
    full_name: str | None = None


# TODO: an output model with exactly id, username, email and full_name
# TODO: an update model for PATCH where every field is optional


@app.post("/users")
def create_user(user: UserIn):
    # TODO: hash the password, give the user the next id, answer 201 without the password
    return user


@app.get("/users")
def list_users():
    # TODO: every user, in id order
    return []


# TODO: GET /users/{id} and PATCH /users/{id}, with 404 {"detail": "User not found"}
