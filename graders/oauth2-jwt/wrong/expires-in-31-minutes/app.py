# An off-by-one expiry: tokens live 31 minutes, not 30.
import secrets
from datetime import datetime, timedelta, timezone
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm

SECRET_KEY = "change-me-in-production-0123456789abcdef"
ALGORITHM = "HS256"
ACCESS_TOKEN_EXPIRE_MINUTES = 31

USERS = {
    "alice": {"full_name": "Alice Liddell", "password": "wonderland"},
    "bob": {"full_name": "Bob Builder", "password": "canwefixit"},
}

app = FastAPI()

# Declares the password flow in OpenAPI, and reads "Authorization: Bearer <token>" (401 when it is missing).
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def authenticate(username: str, password: str) -> bool:
    user = USERS.get(username)
    # A real app stores a password hash and verifies it; compare_digest at least takes constant time.
    return user is not None and secrets.compare_digest(user["password"].encode(), password.encode())


@app.post("/token")
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]):
    if not authenticate(form.username, form.password):
        raise unauthorized("Incorrect username or password")
    expires = datetime.now(timezone.utc) + timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES)
    token = jwt.encode({"sub": form.username, "exp": expires}, SECRET_KEY, algorithm=ALGORITHM)
    return {"access_token": token, "token_type": "bearer"}


def current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> dict:
    try:
        # algorithms pins HS256: "none" and any other algorithm are refused. exp is checked by default.
        payload = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
    except jwt.InvalidTokenError:
        raise unauthorized("Could not validate credentials") from None
    username = payload["sub"]
    user = USERS.get(username)
    if user is None:
        raise unauthorized("Could not validate credentials")
    return {"username": username, "full_name": user["full_name"]}


@app.get("/users/me")
def read_me(user: Annotated[dict, Depends(current_user)]):
    return user
