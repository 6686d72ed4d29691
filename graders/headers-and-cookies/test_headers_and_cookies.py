import time
import uuid
from email.utils import parsedate_to_datetime

import pytest

NOT_LOGGED_IN = {"detail": "Not logged in"}


def new_username():
    return f"user_{uuid.uuid4().hex[:12]}"


def cookie_attrs(response, name="session_id"):
    """The value and attributes (lower-case names) of the Set-Cookie for `name`, or None when there is none."""
    for header in response.headers.get_list("set-cookie"):
        parts = [p.strip() for p in header.split(";")]
        key, _, value = parts[0].partition("=")
        if key.strip() != name:
            continue
        attrs = {}
        for part in parts[1:]:
            attr, _, attr_value = part.partition("=")
            attrs[attr.strip().lower()] = attr_value.strip()
        return value.strip().strip('"'), attrs
    return None


def login(client, username):
    response = client.post("/login", json={"username": username})
    assert response.status_code == 200, f"POST /login answered {response.status_code}"
    assert response.json() == {"ok": True}
    found = cookie_attrs(response)
    assert found is not None, "POST /login set no session_id cookie"
    return found[0]


def session_with(client, token):
    """GET /session sending exactly this token, whatever the client's cookie jar holds."""
    client.cookies.clear()
    return client.get("/session", headers={"Cookie": f"session_id={token}"})


@pytest.mark.points(2)
@pytest.mark.feedback("GET /info should answer {\"user_agent\": <User-Agent>, \"language\": <first tag of "
                      "Accept-Language>}.")
def test_info_reads_headers(client):
    """GET /info answers the User-Agent and the first Accept-Language tag."""
    response = client.get("/info", headers={"User-Agent": "grader-agent/2.1 (test)",
                                            "Accept-Language": "fr-CH, fr;q=0.9, en;q=0.8"})
    assert response.status_code == 200
    assert response.json() == {"user_agent": "grader-agent/2.1 (test)", "language": "fr-CH"}


@pytest.mark.points(1)
@pytest.mark.feedback("The first tag of Accept-Language is the text before the first \",\" or \";\", stripped of "
                      "spaces.")
def test_info_language_first_tag(client):
    """GET /info cuts the first Accept-Language tag at a comma or a semicolon."""
    for header, tag in (("de;q=0.8,en", "de"), ("en-US", "en-US"), ("pt-BR ;q=1, pt", "pt-BR"),
                        ("es ,en", "es"), ("*", "*")):
        response = client.get("/info", headers={"Accept-Language": header, "User-Agent": "x"})
        assert response.status_code == 200
        assert response.json()["language"] == tag, f"Accept-Language: {header} gave {response.json()['language']!r}"


@pytest.mark.points(2)
@pytest.mark.feedback("When User-Agent or Accept-Language is not sent, /info should still answer 200, with null "
                      "for that value.")
def test_info_missing_headers(client):
    """GET /info answers null for headers that were not sent."""
    del client.headers["user-agent"]
    response = client.get("/info")
    assert response.status_code == 200
    assert response.json() == {"user_agent": None, "language": None}
    response = client.get("/info", headers={"Accept-Language": "it"})
    assert response.json() == {"user_agent": None, "language": "it"}


@pytest.mark.points(2)
@pytest.mark.feedback("GET /source should answer {\"source\": <value>} from the X-Request-Source header, and 422 "
                      "when the header is missing.")
def test_source_header(client):
    """GET /source needs the X-Request-Source header."""
    value = f"mobile-{uuid.uuid4().hex[:6]}"
    response = client.get("/source", headers={"X-Request-Source": value})
    assert response.status_code == 200, f"with the header: {response.status_code}"
    assert response.json() == {"source": value}
    response = client.get("/source")
    assert response.status_code == 422, f"without the header: {response.status_code}"


@pytest.mark.points(2)
@pytest.mark.feedback("POST /login should answer {\"ok\": true} and set the cookie session_id with the HttpOnly "
                      "flag and Path=/.")
def test_login_sets_cookie(client):
    """POST /login sets an HttpOnly session_id cookie for the whole site."""
    response = client.post("/login", json={"username": new_username()})
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    found = cookie_attrs(response)
    assert found is not None, "no session_id cookie was set"
    token, attrs = found
    assert token, "the session_id cookie is empty"
    assert "httponly" in attrs, "the cookie is not HttpOnly"
    assert attrs.get("path") == "/", f"the cookie's path is {attrs.get('path')!r}"


@pytest.mark.points(2)
@pytest.mark.feedback("Each login needs a fresh, random token of at least 16 characters that cannot be derived "
                      "from the username.")
def test_tokens_are_fresh_and_unguessable(client):
    """POST /login gives a new, random token on every login."""
    username = new_username()
    tokens = [login(client, username) for _ in range(3)] + [login(client, new_username())]
    assert len(set(tokens)) == 4, "two logins got the same token"
    for token in tokens:
        assert len(token) >= 16, f"the token {token!r} is shorter than 16 characters"
        assert username not in token and username.split("_")[1] not in token, "the token contains the username"


@pytest.mark.points(2)
@pytest.mark.feedback("GET /session with a known session_id cookie should answer {\"username\": ...}, the user "
                      "that token belongs to.")
def test_session_knows_the_user(client):
    """GET /session answers the user a token belongs to."""
    alice, bob = new_username(), new_username()
    alice_token = login(client, alice)
    bob_token = login(client, bob)
    for token, username in ((alice_token, alice), (bob_token, bob), (alice_token, alice)):
        response = session_with(client, token)
        assert response.status_code == 200
        assert response.json() == {"username": username}


@pytest.mark.points(1)
@pytest.mark.feedback("A client that keeps cookies, like a browser, should be logged in after POST /login and "
                      "logged out after POST /logout.")
def test_browser_flow(client_factory):
    """A cookie-keeping client logs in, is recognised, and logs out."""
    username = new_username()
    browser = client_factory()
    assert browser.post("/login", json={"username": username}).status_code == 200
    response = browser.get("/session")
    assert response.status_code == 200 and response.json() == {"username": username}
    assert browser.post("/logout").status_code == 200
    response = browser.get("/session")
    assert response.status_code == 401


@pytest.mark.points(2)
@pytest.mark.feedback("GET /session with no session_id cookie, or an unknown one, should answer 401 with "
                      "{\"detail\": \"Not logged in\"}.")
def test_session_without_valid_cookie(client):
    """GET /session refuses a missing or unknown cookie."""
    response = client.get("/session")
    assert response.status_code == 401, f"with no cookie: {response.status_code}"
    assert response.json() == NOT_LOGGED_IN
    response = session_with(client, uuid.uuid4().hex)
    assert response.status_code == 401, f"with an unknown token: {response.status_code}"
    assert response.json() == NOT_LOGGED_IN


@pytest.mark.points(2)
@pytest.mark.feedback("POST /logout should answer {\"ok\": true} with a Set-Cookie that deletes session_id "
                      "(Max-Age=0 or an expiry in the past).")
def test_logout_deletes_cookie(client):
    """POST /logout answers ok and deletes the cookie in the browser."""
    token = login(client, new_username())
    client.cookies.clear()
    response = client.post("/logout", headers={"Cookie": f"session_id={token}"})
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    found = cookie_attrs(response)
    assert found is not None, "the answer has no Set-Cookie for session_id"
    _, attrs = found
    if "max-age" in attrs:
        assert int(attrs["max-age"]) <= 0, f"Max-Age={attrs['max-age']} keeps the cookie"
    else:
        assert "expires" in attrs, "the Set-Cookie has neither Max-Age nor Expires"
        expires = parsedate_to_datetime(attrs["expires"]).timestamp()
        assert expires <= time.time(), "the cookie expires in the future"


@pytest.mark.points(2)
@pytest.mark.feedback("After POST /logout the server must forget the token: a client that kept a copy of it should "
                      "get 401 from GET /session.")
def test_logout_forgets_token(client):
    """After POST /logout the old token no longer works."""
    username = new_username()
    token = login(client, username)
    other = login(client, new_username())
    assert session_with(client, token).status_code == 200
    response = client.post("/logout", headers={"Cookie": f"session_id={token}"})
    assert response.status_code == 200
    response = session_with(client, token)
    assert response.status_code == 401, f"the old token still answered {response.status_code}"
    assert response.json() == NOT_LOGGED_IN
    assert session_with(client, other).status_code == 200, "logging out one session ended another"


@pytest.mark.points(1)
@pytest.mark.feedback("POST /login should reject a missing, empty or over-30-character username with 422, and "
                      "accept every username of 1 to 30 characters.")
def test_login_validates_username(client):
    """POST /login rejects an invalid username."""
    for body in ({}, {"username": ""}, {"username": "u" * 31}):
        response = client.post("/login", json=body)
        assert response.status_code == 422, f"{body} answered {response.status_code}"
    for username in ("u" * 30, "u"):
        response = client.post("/login", json={"username": username})
        assert response.status_code == 200, f"a {len(username)}-character username answered {response.status_code}"
