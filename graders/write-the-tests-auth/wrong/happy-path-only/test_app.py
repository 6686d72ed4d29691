"""Logs in and reads /users/me: never forges a token, so every broken 401 path survives."""


def test_login_and_read_me(client):
    token = client.post("/token", data={"username": "alice", "password": "wonderland"}).json()["access_token"]
    response = client.get("/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.json() == {"username": "alice", "full_name": "Alice Liddell"}
