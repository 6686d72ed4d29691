"""Visible examples: run them with "Run examples". The hidden tests check more."""


def test_me_with_key(client):
    """GET /api/me names the key's user."""
    response = client.get("/api/me", headers={"X-API-Key": "key-alice"})
    assert response.status_code == 200
    assert response.json() == {"user": "alice"}


def test_missing_key(client):
    """GET /api/items without a key answers 401."""
    response = client.get("/api/items")
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing API key"}
