"""Hidden tests for api-key-auth."""

import pytest

ALICE = {"X-API-Key": "key-alice"}
BOB = {"X-API-Key": "key-bob"}
API_ROUTES = ("/api/me", "/api/items")


@pytest.mark.points(2)
@pytest.mark.feedback('GET /api/me with a valid X-API-Key should answer 200 with {"user": <that key\'s user>}.')
def test_me(client):
    """GET /api/me names the key's user."""
    for headers, user in ((ALICE, "alice"), (BOB, "bob")):
        response = client.get("/api/me", headers=headers)
        assert response.status_code == 200, f"status {response.status_code} for {user}'s key"
        assert response.json() == {"user": user}


@pytest.mark.points(2)
@pytest.mark.feedback('GET /api/items with a valid X-API-Key should answer 200 with {"user": <that key\'s user>, '
                      '"items": ["apple", "pear"]}.')
def test_items(client):
    """GET /api/items lists the items for the key's user."""
    for headers, user in ((BOB, "bob"), (ALICE, "alice")):
        response = client.get("/api/items", headers=headers)
        assert response.status_code == 200, f"status {response.status_code} for {user}'s key"
        assert response.json() == {"user": user, "items": ["apple", "pear"]}


@pytest.mark.points(2)
@pytest.mark.feedback('A request to an /api route without X-API-Key should answer 401 with exactly '
                      '{"detail": "Missing API key"}.')
def test_missing_key(client):
    """An /api route without a key answers 401."""
    for path in API_ROUTES:
        response = client.get(path)
        assert response.status_code == 401, f"{path}: status {response.status_code}"
        assert response.json() == {"detail": "Missing API key"}, f"{path}: {response.text}"


@pytest.mark.points(2)
@pytest.mark.feedback('A request to an /api route with an unknown X-API-Key should answer 403 with exactly '
                      '{"detail": "Invalid API key"}. Keys are compared exactly.')
def test_unknown_key(client):
    """An /api route with an unknown key answers 403."""
    for key in ("key-mallory", "KEY-ALICE", "alice", "key-alice2"):
        for path in API_ROUTES:
            response = client.get(path, headers={"X-API-Key": key})
            assert response.status_code == 403, f"{path} with key {key!r}: status {response.status_code}"
            assert response.json() == {"detail": "Invalid API key"}, f"{path} with key {key!r}: {response.text}"


@pytest.mark.points(2)
@pytest.mark.feedback('GET /public/ping should answer 200 with {"pong": true} without any key: only /api routes are '
                      "protected.")
def test_public_ping(client):
    """GET /public/ping needs no key."""
    response = client.get("/public/ping")
    assert response.status_code == 200, f"status {response.status_code}"
    assert response.json() == {"pong": True}


def api_key_schemes(spec: dict) -> set[str]:
    schemes = spec.get("components", {}).get("securitySchemes", {})
    return {name for name, scheme in schemes.items()
            if scheme.get("type") == "apiKey" and scheme.get("in") == "header"
            and str(scheme.get("name", "")).lower() == "x-api-key"}


@pytest.mark.points(2)
@pytest.mark.feedback("/openapi.json should declare a security scheme of type apiKey, in the header X-API-Key. "
                      "Reading the header as a plain parameter does not declare one.")
def test_openapi_declares_scheme(client):
    """The OpenAPI schema declares the X-API-Key scheme."""
    spec = client.get("/openapi.json").json()
    assert api_key_schemes(spec)


@pytest.mark.points(1)
@pytest.mark.feedback("In /openapi.json, the GET operations of /api/me and /api/items should require the X-API-Key "
                      "security scheme.")
def test_openapi_operations_use_scheme(client):
    """The /api operations require the X-API-Key scheme in the OpenAPI schema."""
    spec = client.get("/openapi.json").json()
    schemes = api_key_schemes(spec)
    assert schemes, "no X-API-Key scheme declared"
    for path in API_ROUTES:
        operation = spec["paths"][path]["get"]
        required = {name for requirement in operation.get("security", spec.get("security", []))
                    for name in requirement}
        assert required & schemes, f"{path} does not use the scheme"
