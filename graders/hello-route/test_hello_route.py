import pytest


@pytest.mark.points(2)
@pytest.mark.feedback("GET / should answer 200 with exactly {\"message\": \"Hello World\"}.")
def test_root(client):
    """GET / answers the greeting."""
    response = client.get("/")
    assert response.status_code == 200
    assert response.json() == {"message": "Hello World"}


@pytest.mark.feedback("GET /health should answer 200 with {\"status\": \"ok\"}.")
def test_health(client):
    """GET /health reports ok."""
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.points(2)
@pytest.mark.feedback("GET /greet/{name} should answer {\"message\": \"Hello, <name>!\"}.")
def test_greet_simple_name(client):
    """GET /greet/{name} greets by name."""
    response = client.get("/greet/Grace")
    assert response.status_code == 200
    assert response.json() == {"message": "Hello, Grace!"}


@pytest.mark.feedback("The name must be used exactly as given, after URL-decoding: no changes of case or spaces.")
def test_greet_keeps_case_and_decodes(client):
    """GET /greet/ keeps the name's case and decodes %20."""
    response = client.get("/greet/ada%20McDonald")
    assert response.status_code == 200
    assert response.json() == {"message": "Hello, ada McDonald!"}


@pytest.mark.feedback("Non-ASCII names should come back unchanged.")
def test_greet_unicode(client):
    """GET /greet/ keeps non-ASCII names."""
    response = client.get("/greet/Zo%C3%AB")
    assert response.status_code == 200
    assert response.json() == {"message": "Hello, Zoë!"}


@pytest.mark.feedback("Only GET is defined on /, so POST / should answer 405 Method Not Allowed.")
def test_post_root_not_allowed(client):
    """POST / is not allowed."""
    assert client.post("/").status_code == 405


@pytest.mark.feedback("The answers should be JSON (Content-Type: application/json).")
def test_answers_are_json(client):
    """The answers are JSON."""
    for path in ("/", "/health", "/greet/x"):
        assert client.get(path).headers["content-type"].startswith("application/json")
