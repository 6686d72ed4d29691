"""Visible examples: run them with "Run examples". The hidden tests check more."""

ALICE = {"Authorization": "Bearer token-alice"}


def test_me(client):
    """GET /me with a valid token answers the user."""
    response = client.get("/me", headers=ALICE)
    assert response.status_code == 200
    assert response.json() == {"username": "alice", "role": "admin"}


def test_me_needs_a_token(client):
    """GET /me without a token answers 401."""
    response = client.get("/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}


def test_articles_page(client):
    """GET /articles pages through ARTICLES."""
    response = client.get("/articles", params={"skip": 5, "limit": 2}, headers=ALICE)
    assert response.status_code == 200
    assert response.json() == {"skip": 5, "limit": 2, "items": ["article-6", "article-7"]}
