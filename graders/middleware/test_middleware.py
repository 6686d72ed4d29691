import math
import time
import uuid

import pytest

VALID_IDS = ["abc-123", "trace-42", "A" * 64, "0", "-", str(uuid.uuid4()), "XyZ-09-zz"]
INVALID_IDS = ["", "a" * 65, "has space", "under_score", "semi;colon", "dot.dot", "slash/id", "{json}"]


def process_time(response):
    value = response.headers.get("X-Process-Time")
    assert value is not None, f"no X-Process-Time header on the {response.status_code} response"
    try:
        seconds = float(value)
    except ValueError:
        raise AssertionError(f"X-Process-Time {value!r} is not a number float() can parse") from None
    assert math.isfinite(seconds) and seconds >= 0, f"X-Process-Time {value!r} should be a number of seconds >= 0"
    return seconds


def is_new_uuid4(value):
    try:
        parsed = uuid.UUID(value)
    except (TypeError, ValueError):
        return False
    return parsed.version == 4 and str(parsed) == value


def request_id(response):
    value = response.headers.get("X-Request-ID")
    assert value is not None, f"no X-Request-ID header on the {response.status_code} response"
    return value


def assert_both_headers(response, what):
    assert response.headers.get("X-Process-Time") is not None, f"{what}: no X-Process-Time header"
    assert response.headers.get("X-Request-ID"), f"{what}: no X-Request-ID header"
    process_time(response)


@pytest.mark.points(2)
@pytest.mark.feedback("Successful responses should carry X-Process-Time (seconds, parsable by float(), >= 0) and "
                      "X-Request-ID (a new canonical UUID4 when the request sent none).")
def test_headers_on_success(client):
    """200 responses carry both headers."""
    for path in ("/items/3", "/whoami"):
        response = client.get(path)
        assert response.status_code == 200, f"GET {path} answered {response.status_code}"
        assert_both_headers(response, f"GET {path}")
        assert is_new_uuid4(request_id(response)), f"GET {path}: X-Request-ID {request_id(response)!r} is not a UUID4"


@pytest.mark.points(1)
@pytest.mark.feedback("Keep the given routes as they are: GET /slow answers {\"slept\": 0.2} and GET "
                      "/items/{item_id} answers {\"item_id\": <the id>}. The middleware adds headers and leaves "
                      "bodies alone.")
def test_given_routes_keep_their_bodies(client):
    """The given routes answer their bodies unchanged."""
    for path, body in (("/items/3", {"item_id": 3}), ("/items/41", {"item_id": 41}), ("/slow", {"slept": 0.2})):
        response = client.get(path)
        assert response.status_code == 200, f"GET {path} answered {response.status_code}"
        assert response.json() == body, f"GET {path} answered {response.text[:200]!r}"


@pytest.mark.points(2)
@pytest.mark.feedback("Error responses produced by FastAPI itself (404 unknown path, 405 wrong method, 422 bad "
                      "parameter) should carry both headers too.")
def test_headers_on_framework_errors(client):
    """404, 405 and 422 responses carry both headers."""
    for method, path, status in (("GET", "/no-such-page", 404), ("POST", "/items/3", 405),
                                 ("GET", "/items/abc", 422)):
        response = client.request(method, path)
        assert response.status_code == status, f"{method} {path} answered {response.status_code}, not {status}"
        assert_both_headers(response, f"{method} {path}")


@pytest.mark.points(3)
@pytest.mark.feedback("GET /boom should still answer 500, and that 500 must carry X-Process-Time and X-Request-ID "
                      "too. An exception that escapes your middleware skips the code that sets the headers.")
def test_headers_on_crash(client_factory):
    """The 500 from a crashing route carries both headers."""
    # A crash may make the server close the connection, so this request gets a connection of its own.
    response = client_factory().get("/boom")
    assert response.status_code == 500
    assert request_id(response)
    process_time(response)


@pytest.mark.points(2)
@pytest.mark.feedback("X-Process-Time should be the time the app spent, in seconds: at least 0.2 for /slow, and "
                      "no more than the whole request took.")
def test_process_time_is_seconds(client):
    """X-Process-Time measures the request in seconds."""
    client.get("/items/1")  # open the connection first
    started = time.monotonic()
    response = client.get("/slow")
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    seconds = process_time(response)
    assert seconds >= 0.2, f"X-Process-Time for /slow is {seconds}, below 0.2"
    assert seconds <= elapsed + 0.5, f"X-Process-Time for /slow is {seconds}, but the request took {elapsed:.3f} s"


@pytest.mark.points(2)
@pytest.mark.feedback("A request's own X-Request-ID of 1 to 64 characters from A-Z, a-z, 0-9 and '-' should come "
                      "back unchanged in the response header, on successes and errors alike.")
def test_valid_request_id_is_echoed(client):
    """A valid incoming X-Request-ID is echoed."""
    for value in VALID_IDS:
        response = client.get("/items/7", headers={"X-Request-ID": value})
        assert request_id(response) == value, f"sent {value!r}"
    response = client.get("/no-such-page", headers={"X-Request-ID": "lost-404"})
    assert request_id(response) == "lost-404", "sent 'lost-404' to a 404"


@pytest.mark.points(2)
@pytest.mark.feedback("An X-Request-ID that is empty, longer than 64 characters or has other characters than "
                      "A-Z, a-z, 0-9 and '-' must not be echoed: answer with a new canonical UUID4 instead.")
def test_invalid_request_id_is_replaced(client):
    """An invalid incoming X-Request-ID is replaced with a new UUID4."""
    for value in INVALID_IDS:
        response = client.get("/items/7", headers={"X-Request-ID": value})
        got = request_id(response)
        assert got != value, f"sent {value!r}, which should have been replaced"
        assert is_new_uuid4(got), f"sent {value!r}, got {got!r}, which is not a canonical UUID4"


@pytest.mark.feedback("Each request without a usable X-Request-ID should get a new UUID4 of its own.")
def test_new_ids_are_unique(client):
    """Requests without an id each get a different one."""
    ids = {request_id(client.get("/items/1")) for _ in range(5)}
    assert len(ids) == 5, "the same X-Request-ID came back for different requests"


@pytest.mark.points(2)
@pytest.mark.feedback("GET /whoami should answer {\"request_id\": ...} with exactly the id in its own X-Request-ID "
                      "response header: the echoed one, or the new one when the request's was missing or invalid.")
def test_whoami_matches_header(client):
    """GET /whoami reports the same id as its response header."""
    for headers in ({}, {"X-Request-ID": "whoami-7"}, {"X-Request-ID": "not valid!"}):
        response = client.get("/whoami", headers=headers)
        assert response.status_code == 200
        assert response.json() == {"request_id": request_id(response)}, f"sent {headers or 'no id'}"
    assert client.get("/whoami", headers={"X-Request-ID": "whoami-7"}).json() == {"request_id": "whoami-7"}
