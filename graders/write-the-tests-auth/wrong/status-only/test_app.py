"""Checks the 401s by status code alone, with an expired token: no header checks, no forged signatures."""

import time

import jwt


def test_wrong_password(client):
    assert client.post("/token", data={"username": "alice", "password": "x"}).status_code == 401


def test_expired(client):
    token = jwt.encode({"sub": "alice", "exp": int(time.time()) - 60}, "change-me-in-production-0123456789abcdef")
    assert client.get("/users/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
