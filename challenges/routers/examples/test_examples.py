"""Visible examples: run them with "Run examples". The hidden tests check more.

They follow redirects, as real clients do: a route declared as "/" under a router prefix answers the path
without the slash with a redirect.
"""


def test_list_users(client):
    """GET /api/v1/users lists the users."""
    response = client.get("/api/v1/users", follow_redirects=True)
    assert response.status_code == 200
    assert response.json() == [{"id": 1, "name": "alice"}, {"id": 2, "name": "bob"}]


def test_create_item(client):
    """POST /api/v1/items creates an item."""
    response = client.post("/api/v1/items", json={"name": "lamp"}, follow_redirects=True)
    assert response.status_code == 201
    assert response.json()["name"] == "lamp"


def test_no_unversioned_paths(client):
    """The routes exist only under /api/v1."""
    assert client.get("/users").status_code == 404
