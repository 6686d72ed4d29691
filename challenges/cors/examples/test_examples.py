"""Visible examples: run them with "Run examples". The hidden tests check more."""


def test_preflight_from_the_app(client):
    """A POST preflight from https://app.example.com is accepted."""
    response = client.options("/data", headers={"Origin": "https://app.example.com",
                                                "Access-Control-Request-Method": "POST"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


def test_get_from_a_stranger(client):
    """A GET from another origin gets no Access-Control-Allow-Origin."""
    response = client.get("/data", headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
