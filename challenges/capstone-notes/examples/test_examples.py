"""Visible examples: run them with "Run examples". The hidden tests check much more."""

import pytest

ANN = {"X-API-Key": "key-ann"}


@pytest.fixture(autouse=True)
def follow_redirects(client):
    """Follow redirects as real clients do (a route declared as "/" under a prefix redirects the slash-less path)."""
    client.follow_redirects = True


def test_health(client):
    """GET /health answers without a key."""
    assert client.get("/health").json() == {"status": "ok"}


def test_create_and_read(client):
    """A note is created, then read back by its owner."""
    response = client.post("/notes", json={"title": "Hello", "tags": ["Intro", "intro"]}, headers=ANN)
    assert response.status_code == 201
    note = response.json()
    assert note["owner"] == "ann"
    assert note["body"] == ""
    assert note["tags"] == ["intro"]
    assert client.get(f"/notes/{note['id']}", headers=ANN).json() == note


def test_key_required(client):
    """The notes need an API key."""
    response = client.get("/notes")
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing API key"}
    assert "x-request-id" in response.headers
