"""Visible examples: run them with "Run examples". The hidden tests check more (timing, expiry, refresh, ...)."""


def test_miss_then_hit(client):
    """The first GET computes the report; the second is served from the cache."""
    first = client.get("/reports/7")
    assert first.status_code == 200
    assert first.json()["report_id"] == 7
    assert first.headers["X-Cache"] == "MISS"

    second = client.get("/reports/7")
    assert second.headers["X-Cache"] == "HIT"
    assert second.json() == first.json()


def test_refresh(client):
    """POST /reports/{id}/refresh answers 204."""
    client.get("/reports/8")
    assert client.post("/reports/8/refresh").status_code == 204
    assert client.get("/reports/8").headers["X-Cache"] == "MISS"
