"""Visible examples: run them with "Run examples". The hidden tests check more."""


def test_root_greets(client):
    """GET / answers the greeting."""
    response = client.get("/")
    assert response.status_code == 200
    assert response.json() == {"message": "Hello World"}


def test_greet_by_name(client):
    """GET /greet/Ada greets Ada."""
    assert client.get("/greet/Ada").json() == {"message": "Hello, Ada!"}
