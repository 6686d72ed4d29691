"""Hidden tests for oauth2-jwt. Tokens for the negative cases are made here with PyJWT and the starter's key."""

import base64
import json
import time
import warnings

import jwt
import pytest

from proctor.grading.plugin import step

SECRET_KEY = "change-me-in-production-0123456789abcdef"
EXP_SLACK = 20  # seconds either side of 30 minutes
CREDENTIALS = {"alice": "wonderland", "bob": "canwefixit"}
FULL_NAMES = {"alice": "Alice Liddell", "bob": "Bob Builder"}


def login(client, username: str, password: str):
    return client.post("/token", data={"username": username, "password": password})


def issued_token(client, username: str) -> str:
    """The token POST /token issues; a step of its own, so an empty token is reported as such, not as a request
    the grader could not send (`Authorization: Bearer ` is not a legal header)."""
    with step("POST /token with a right username and password should answer 200 with a non-empty access_token "
              "that can be sent back as `Authorization: Bearer <token>`."):
        response = login(client, username, CREDENTIALS[username])
        assert response.status_code == 200, f"POST /token answered {response.status_code} for {username}"
        token = response.json().get("access_token")
        sendable = isinstance(token, str) and token.isascii() and token.isprintable() and token == token.strip()
        assert token and sendable, f"POST /token answered the access_token {token!r} for {username}"
    return token


def make_token(payload: dict, key: str = SECRET_KEY, algorithm: str = "HS256") -> str:
    with warnings.catch_warnings():  # short keys for HS384/HS512 warn; these tokens are meant to be refused
        warnings.simplefilter("ignore")
        return jwt.encode(payload, key, algorithm=algorithm)


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def unsigned(payload: dict) -> str:
    """A token with alg "none" and no signature."""
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload)}."


def later(seconds: int = 600) -> int:
    return int(time.time()) + seconds


def me(client, token: str | None, scheme: str = "Bearer"):
    headers = {} if token is None else {"Authorization": f"{scheme} {token}"}
    return client.get("/users/me", headers=headers)


def assert_refused(response, what: str) -> None:
    assert response.status_code == 401, f"{what}: status {response.status_code}"
    challenge = response.headers.get("www-authenticate", "")
    assert challenge.lower().startswith("bearer"), f"{what}: WWW-Authenticate is {challenge!r}"


@pytest.mark.points(2)
@pytest.mark.feedback('POST /token with a right username and password (form fields) should answer 200 with '
                      '{"access_token": <JWT>, "token_type": "bearer"}.')
def test_token_issued(client):
    """POST /token issues a bearer token for right credentials."""
    response = login(client, "alice", "wonderland")
    assert response.status_code == 200, f"status {response.status_code}"
    body = response.json()
    assert set(body) == {"access_token", "token_type"}, f"keys {sorted(body)}"
    assert body["token_type"] == "bearer"
    assert isinstance(body["access_token"], str) and body["access_token"].count(".") == 2


@pytest.mark.points(2)
@pytest.mark.feedback('The access token should be a JWT signed with SECRET_KEY using HS256, with "sub" = the '
                      'username and "exp" = 30 minutes from now (in seconds since the epoch, UTC).')
def test_token_claims(client):
    """The token is an HS256 JWT with the user as sub, expiring in 30 minutes."""
    for username in ("alice", "bob"):
        # Measured against the request's own start and end, so a slow machine widens the window only by the
        # request's duration, and the 20 s of slack still tells 30 minutes from 29 or 31.
        start = time.time()
        token = issued_token(client, username)
        end = time.time()
        assert jwt.get_unverified_header(token).get("alg") == "HS256", "not HS256"
        claims = jwt.decode(token, SECRET_KEY, algorithms=["HS256"])
        assert claims.get("sub") == username
        exp = claims["exp"]
        assert start + 30 * 60 - EXP_SLACK <= exp <= end + 30 * 60 + EXP_SLACK, f"exp is {exp - end:.0f} s ahead"


@pytest.mark.points(2)
@pytest.mark.feedback('Wrong credentials should answer 401 with exactly {"detail": "Incorrect username or '
                      'password"} and the header WWW-Authenticate: Bearer.')
def test_wrong_credentials(client):
    """POST /token refuses wrong credentials with 401."""
    for username, password in (("alice", "wrong"), ("alice", "canwefixit"), ("mallory", "wonderland")):
        response = login(client, username, password)
        assert_refused(response, f"{username}/{password}")
        assert response.json() == {"detail": "Incorrect username or password"}


@pytest.mark.points(2)
@pytest.mark.feedback('GET /users/me with a token from POST /token should answer 200 with {"username": ..., '
                      '"full_name": ...} for that token\'s user.')
def test_me_with_issued_token(client):
    """GET /users/me answers for the token's user."""
    for username in ("alice", "bob"):
        response = me(client, issued_token(client, username))
        assert response.status_code == 200, f"{username}: status {response.status_code}"
        assert response.json() == {"username": username, "full_name": FULL_NAMES[username]}


@pytest.mark.points(1)
@pytest.mark.feedback("GET /users/me should accept any HS256 JWT signed with SECRET_KEY whose sub is a known user "
                      "and whose exp is in the future, not only the exact tokens it issued.")
def test_me_with_any_valid_token(client):
    """GET /users/me accepts any valid token signed with the key."""
    response = me(client, make_token({"sub": "bob", "exp": later()}))
    assert response.status_code == 200, f"status {response.status_code}"
    assert response.json() == {"username": "bob", "full_name": "Bob Builder"}


@pytest.mark.points(1)
@pytest.mark.feedback("GET /users/me without a bearer token should answer 401 with WWW-Authenticate: Bearer.")
def test_missing_token(client):
    """GET /users/me without a token answers 401."""
    assert_refused(me(client, None), "no Authorization header")
    assert_refused(me(client, "YWxpY2U6d29uZGVybGFuZA==", scheme="Basic"), "a Basic Authorization header")


@pytest.mark.points(1)
@pytest.mark.feedback("A bearer token that is not a JWT should get 401 with WWW-Authenticate: Bearer, not a crash.")
def test_malformed_token(client):
    """A malformed token is refused with 401."""
    for token in ("not-a-jwt", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30"):
        assert_refused(me(client, token), f"token {token!r}")


@pytest.mark.points(2)
@pytest.mark.feedback("An expired token (exp in the past) must be refused with 401 and WWW-Authenticate: Bearer.")
def test_expired_token(client):
    """An expired token is refused."""
    assert_refused(me(client, make_token({"sub": "alice", "exp": int(time.time()) - 120})), "an expired token")


@pytest.mark.points(2)
@pytest.mark.feedback("A token whose signature does not match (edited after signing, or signed with another key) "
                      "must be refused with 401 and WWW-Authenticate: Bearer.")
def test_tampered_token(client):
    """A tampered token, or one signed with another key, is refused."""
    header, _, signature = issued_token(client, "alice").split(".")
    forged = f"{header}.{b64({'sub': 'bob', 'exp': later(3600)})}.{signature}"
    assert_refused(me(client, forged), "a token edited after signing")
    other_key = make_token({"sub": "alice", "exp": later()}, key="another-secret-key-of-at-least-32-bytes!")
    assert_refused(me(client, other_key), "a token signed with another key")


@pytest.mark.points(2)
@pytest.mark.feedback('A token that uses another algorithm than HS256 (such as "none", or HS512) must be refused '
                      "with 401 and WWW-Authenticate: Bearer.")
def test_wrong_algorithm(client):
    """Tokens with another algorithm, "none" included, are refused."""
    assert_refused(me(client, unsigned({"sub": "alice", "exp": later()})), 'an alg "none" token')
    for algorithm in ("HS512", "HS384"):
        token = make_token({"sub": "alice", "exp": later()}, algorithm=algorithm)
        assert_refused(me(client, token), f"an {algorithm} token signed with SECRET_KEY")


@pytest.mark.points(1)
@pytest.mark.feedback("A validly signed token for a user who does not exist must be refused with 401 and "
                      "WWW-Authenticate: Bearer.")
def test_unknown_user_token(client):
    """A valid token for an unknown user is refused."""
    assert_refused(me(client, make_token({"sub": "mallory", "exp": later()})), "a token for mallory")


@pytest.mark.points(1)
@pytest.mark.feedback("A validly signed token without an exp claim never expires: it must be refused with 401 and "
                      "WWW-Authenticate: Bearer.")
def test_token_without_exp(client):
    """A signed token with no expiry is refused."""
    assert_refused(me(client, make_token({"sub": "alice"})), "a token without exp")


@pytest.mark.points(1)
@pytest.mark.feedback("A validly signed token without a sub claim names no user: it must be refused with 401 and "
                      "WWW-Authenticate: Bearer, not crash the app.")
def test_token_without_sub(client):
    """A signed token with no subject is refused."""
    assert_refused(me(client, make_token({"exp": later()})), "a token without sub")


@pytest.mark.points(1)
@pytest.mark.feedback('/openapi.json should declare an OAuth2 password flow with tokenUrl "token".')
def test_openapi_password_flow(client):
    """The OpenAPI schema declares the OAuth2 password flow."""
    schemes = client.get("/openapi.json").json().get("components", {}).get("securitySchemes", {})
    flows = [s.get("flows", {}).get("password", {}) for s in schemes.values() if s.get("type") == "oauth2"]
    assert any(flow.get("tokenUrl") == "token" for flow in flows), f"schemes: {schemes}"
