"""Visible examples: run them with "Run examples". The hidden tests check more, forged tokens included."""


def test_login_then_me(client):
    """Log in as alice, then GET /users/me with the token."""
    response = client.post("/token", data={"username": "alice", "password": "wonderland"})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["access_token"], "POST /token answered an empty access_token"
    me = client.get("/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json() == {"username": "alice", "full_name": "Alice Liddell"}


def test_wrong_password(client):
    """A wrong password answers 401."""
    response = client.post("/token", data={"username": "alice", "password": "nope"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Incorrect username or password"}
    assert response.headers["WWW-Authenticate"] == "Bearer"
