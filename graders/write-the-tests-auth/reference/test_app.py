"""A suite that kills every mutant of the write-the-tests-auth pack: every 401 path, with forged tokens."""

import time

import jwt

SECRET_KEY = "change-me-in-production-0123456789abcdef"


def forge(claims=None, key=SECRET_KEY, algorithm="HS256", **extra):
    payload = {"sub": "alice", "exp": int(time.time()) + 600} if claims is None else claims
    return jwt.encode({**payload, **extra}, key, algorithm=algorithm)


def me(client, token):
    return client.get("/users/me", headers={"Authorization": f"Bearer {token}"})


def assert_rejected(response):
    assert response.status_code == 401
    assert response.headers.get("www-authenticate") == "Bearer"


def test_login_and_read_me(client):
    response = client.post("/token", data={"username": "alice", "password": "wonderland"})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert me(client, body["access_token"]).json() == {"username": "alice", "full_name": "Alice Liddell"}


def test_a_forged_but_valid_token_is_accepted(client):
    assert me(client, forge()).status_code == 200


def test_wrong_password_is_401(client):
    response = client.post("/token", data={"username": "alice", "password": "nope"})
    assert_rejected(response)
    assert response.json() == {"detail": "Incorrect username or password"}


def test_expired_token_is_401(client):
    assert_rejected(me(client, forge(exp=int(time.time()) - 60)))


def test_token_without_exp_is_401(client):
    assert_rejected(me(client, forge({"sub": "alice"})))


def test_token_signed_with_another_key_is_401(client):
    assert_rejected(me(client, forge(key="another-secret-key-of-enough-length-0123456789")))


def test_alg_none_is_401(client):
    assert_rejected(me(client, forge(key=None, algorithm="none")))


def test_unknown_user_is_401(client):
    assert_rejected(me(client, forge(sub="mallory")))


def test_no_token_is_401(client):
    assert_rejected(client.get("/users/me"))
