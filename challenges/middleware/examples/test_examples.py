"""Visible examples: run them with "Run examples". The hidden tests check more."""
import uuid


def test_headers_on_a_normal_response(client):
    """A 200 carries X-Process-Time and a new X-Request-ID."""
    response = client.get("/items/3")
    assert response.status_code == 200
    assert float(response.headers["X-Process-Time"]) >= 0
    request_id = response.headers["X-Request-ID"]
    assert str(uuid.UUID(request_id)) == request_id


def test_request_id_is_echoed(client):
    """A valid X-Request-ID comes back unchanged, and /whoami sees it."""
    response = client.get("/whoami", headers={"X-Request-ID": "trace-42"})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "trace-42"
    assert response.json() == {"request_id": "trace-42"}
