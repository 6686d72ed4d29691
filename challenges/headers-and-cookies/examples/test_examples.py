"""Visible examples: run them with "Run examples". The hidden tests check more."""


def test_info_reads_headers(client):
    """GET /info reads the User-Agent and the first Accept-Language tag."""
    response = client.get("/info", headers={"User-Agent": "example-agent/1.0", "Accept-Language": "fr-CH, fr;q=0.9"})
    assert response.status_code == 200
    assert response.json() == {"user_agent": "example-agent/1.0", "language": "fr-CH"}


def test_login_then_session(client):
    """POST /login sets a cookie that GET /session recognises."""
    response = client.post("/login", json={"username": "ada"})
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert "session_id" in response.cookies
    # The client keeps the cookie, as a browser would, and sends it back.
    response = client.get("/session")
    assert response.status_code == 200
    assert response.json() == {"username": "ada"}
