"""Hidden tests for cors."""

import pytest

ALLOWED = ("https://app.example.com", "http://localhost:3000")
OTHERS = (
    "https://evil.example",
    "https://app.example.com.evil.io",
    "http://app.example.com",
    "https://app.example.com:8443",
    "http://localhost:3001",
    "https://localhost:3000",
    "null",
)


def preflight(client, origin: str, method: str = "POST", headers: str | None = None):
    request_headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers is not None:
        request_headers["Access-Control-Request-Headers"] = headers
    return client.options("/data", headers=request_headers)


def tokens(value: str | None) -> set[str]:
    return {part.strip().lower() for part in (value or "").split(",") if part.strip()}


@pytest.mark.points(1)
@pytest.mark.feedback('GET /data should answer 200 with {"data": [1, 2, 3]}.')
def test_get_data(client):
    """GET /data answers the data."""
    response = client.get("/data")
    assert response.status_code == 200
    assert response.json() == {"data": [1, 2, 3]}


@pytest.mark.points(1)
@pytest.mark.feedback('POST /data should answer 201 with {"ok": true}.')
def test_post_data(client):
    """POST /data answers 201."""
    response = client.post("/data")
    assert response.status_code == 201, f"status {response.status_code}"
    assert response.json() == {"ok": True}


@pytest.mark.points(3)
@pytest.mark.feedback("A preflight for POST from an allowed origin should answer 200 with Access-Control-Allow-Origin "
                      "set to that very origin (never *), Access-Control-Allow-Credentials: true, and POST among "
                      "Access-Control-Allow-Methods.")
def test_preflight_allowed(client):
    """A POST preflight from each allowed origin is accepted, with credentials."""
    for origin in ALLOWED:
        response = preflight(client, origin)
        assert response.status_code == 200, f"{origin}: status {response.status_code}"
        assert response.headers.get("access-control-allow-origin") == origin, f"{origin}: {response.headers}"
        assert response.headers.get("access-control-allow-credentials") == "true", f"{origin}: {response.headers}"
        assert "post" in tokens(response.headers.get("access-control-allow-methods")), f"{origin}: {response.headers}"


@pytest.mark.points(1)
@pytest.mark.feedback("A preflight asking to send the headers Content-Type and Authorization should be accepted "
                      "(200), with both listed in Access-Control-Allow-Headers.")
def test_preflight_allowed_headers(client):
    """A preflight asking for Content-Type and Authorization is accepted."""
    for origin in ALLOWED:
        response = preflight(client, origin, headers="content-type, authorization")
        assert response.status_code == 200, f"{origin}: status {response.status_code}"
        allowed = tokens(response.headers.get("access-control-allow-headers"))
        assert {"content-type", "authorization"} <= allowed, f"{origin}: {response.headers}"


@pytest.mark.points(2)
@pytest.mark.feedback("A preflight asking for DELETE should be refused with 400: only GET and POST are allowed.")
def test_preflight_delete_refused(client):
    """A preflight for DELETE is refused."""
    for origin in ALLOWED:
        response = preflight(client, origin, method="DELETE")
        assert response.status_code == 400, f"{origin}: status {response.status_code}"


@pytest.mark.points(2)
@pytest.mark.feedback("A GET from an allowed origin should carry Access-Control-Allow-Origin set to that origin, and "
                      "Vary including Origin (so caches keep one answer per origin).")
def test_get_from_allowed_origin(client):
    """A GET from an allowed origin carries that origin and Vary: Origin."""
    for origin in ALLOWED:
        response = client.get("/data", headers={"Origin": origin})
        assert response.status_code == 200, f"{origin}: status {response.status_code}"
        assert response.json() == {"data": [1, 2, 3]}
        assert response.headers.get("access-control-allow-origin") == origin, f"{origin}: {response.headers}"
        vary = tokens(", ".join(response.headers.get_list("vary")))
        assert "origin" in vary, f"{origin}: Vary is {response.headers.get_list('vary')}"


@pytest.mark.points(2)
@pytest.mark.feedback("A GET from an origin that is not exactly one of the two allowed ones (another scheme, port or "
                      "host, look-alikes included) must carry no Access-Control-Allow-Origin header.")
def test_get_from_other_origin(client):
    """A GET from any other origin carries no Access-Control-Allow-Origin."""
    for origin in OTHERS:
        response = client.get("/data", headers={"Origin": origin})
        assert "access-control-allow-origin" not in response.headers, (
            f"{origin}: Access-Control-Allow-Origin is {response.headers['access-control-allow-origin']!r}")
