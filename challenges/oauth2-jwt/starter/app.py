from datetime import datetime, timedelta, timezone

import jwt
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm

SECRET_KEY = "change-me-in-production-0123456789abcdef"
ALGORITHM = "HS256"
ACCESS_TOKEN_EXPIRE_MINUTES = 30

USERS = {
    "alice": {"full_name": "Alice Liddell", "password": "wonderland"},
    "bob": {"full_name": "Bob Builder", "password": "canwefixit"},
}

app = FastAPI()


@app.post("/token")
def login(form: OAuth2PasswordRequestForm = Depends()):
    # TODO: check the credentials (401 "Incorrect username or password" with WWW-Authenticate: Bearer),
    #       then return an HS256 JWT with "sub" and an "exp" 30 minutes ahead.
    return {"access_token": "", "token_type": "bearer"}


@app.get("/users/me")
def read_me():
    # TODO: read the bearer token, verify it, and answer for its user; 401 with WWW-Authenticate: Bearer otherwise
    return {"username": None, "full_name": None}
