"""Visible examples: run them with "Run examples". The hidden tests check more."""
import uuid


def test_create_user_hides_password(client):
    """POST /users answers 201 with the four public keys only."""
    username = f"ada-{uuid.uuid4().hex[:8]}"
    response = client.post("/users", json={"username": username, "email": "ada@example.com",
                                           "password": "s3cret-pass", "full_name": "Ada Lovelace"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "username", "email", "full_name"}
    assert body["username"] == username
    assert body["full_name"] == "Ada Lovelace"


def test_unknown_user(client):
    """GET /users/{id} of an unknown id answers 404."""
    response = client.get("/users/987654321")
    assert response.status_code == 404
    assert response.json() == {"detail": "User not found"}
