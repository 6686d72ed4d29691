"""Visible examples: run them with "Run examples". The hidden tests check more."""


def test_user_by_id(client):
    """GET /users/7 answers the id as an integer."""
    response = client.get("/users/7")
    assert response.status_code == 200
    assert response.json() == {"user_id": 7}


def test_items_default_page(client):
    """GET /items answers the first page with the default skip and limit."""
    response = client.get("/items")
    assert response.status_code == 200
    assert response.json() == {"skip": 0, "limit": 10, "items": [f"item-{i}" for i in range(1, 11)]}


def test_search_needs_q(client):
    """GET /search without q is a validation error."""
    assert client.get("/search").status_code == 422
