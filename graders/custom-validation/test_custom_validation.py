import uuid

import pytest

PASSWORD = "s3cretpass"


def new_username(prefix="Tst"):
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def body(**overrides):
    data = {"username": new_username(), "email": "someone@example.com", "password": PASSWORD,
            "password_confirm": PASSWORD}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not ...}


def field_error(response, field, sent):
    """Assert a 422 in FastAPI's standard format with an error at ["body", field]."""
    assert response.status_code == 422, f"{sent} answered {response.status_code}, expected 422"
    detail = response.json().get("detail")
    assert isinstance(detail, list) and detail, f"{sent}: the 422 body is not FastAPI's list of errors"
    for error in detail:
        assert isinstance(error, dict) and {"loc", "msg", "type"} <= set(error), \
            f"{sent}: each error should have loc, msg and type"
    locs = [list(error["loc"]) for error in detail]
    if field is None:
        assert locs, sent
    else:
        assert ["body", field] in locs, f"{sent}: no error with loc [\"body\", \"{field}\"]; locs were {locs}"
    return locs


@pytest.mark.points(3)
@pytest.mark.feedback("A valid registration should answer 201 with the username lower-cased, the email exactly as "
                      "given, and the age (or null).")
def test_register_success(client):
    """POST /register with a valid body answers 201 with the new user."""
    username = new_username("MiXed")
    response = client.post("/register", json=body(username=username, email="Ann.Lee+tag@Mail.Example.org", age=33))
    assert response.status_code == 201, f"a valid registration answered {response.status_code}"
    data = response.json()
    assert data.get("username") == username.lower()
    assert data.get("email") == "Ann.Lee+tag@Mail.Example.org"
    assert data.get("age") == 33


@pytest.mark.points(2)
@pytest.mark.feedback("The answer should have exactly the keys username, email and age: never the password or "
                      "password_confirm.")
def test_response_hides_password(client):
    """POST /register never answers the password."""
    password = f"pw{uuid.uuid4().hex[:10]}9"
    response = client.post("/register", json=body(password=password, password_confirm=password))
    assert response.status_code == 201
    assert set(response.json()) == {"username", "email", "age"}
    assert password not in response.text


@pytest.mark.points(1)
@pytest.mark.feedback("age is optional (null when left out), and 13 and 120 are both allowed.")
def test_age_optional_and_bounds(client):
    """POST /register accepts no age, and ages at the bounds."""
    response = client.post("/register", json=body())
    assert response.status_code == 201
    assert response.json().get("age") is None
    for age in (13, 120):
        response = client.post("/register", json=body(age=age))
        assert response.status_code == 201, f"age {age} answered {response.status_code}"
        assert response.json().get("age") == age


@pytest.mark.points(2)
@pytest.mark.feedback("username must be 3-20 characters, each a letter, digit or underscore (the whole name, not "
                      "just its start); otherwise 422 with loc [\"body\", \"username\"].")
def test_username_rules(client):
    """POST /register checks the username's length and characters."""
    bad = {"ab": "a 2-character username", "a" + uuid.uuid4().hex[:20]: "a 21-character username",
           "bad-name": "a username with '-'", "has space": "a username with a space",
           "dot.name": "a username with '.'", "": "an empty username", "okay_name!": "a username ending in '!'"}
    for username, sent in bad.items():
        field_error(client.post("/register", json=body(username=username)), "username", sent)
    for username in ("z_9", ("Q" + uuid.uuid4().hex)[:20], f"__{uuid.uuid4().hex[:6]}__"):
        response = client.post("/register", json=body(username=username))
        assert response.status_code == 201, f"the valid username {username!r} answered {response.status_code}"


@pytest.mark.points(1)
@pytest.mark.feedback("Every character of the username must be a letter, digit or underscore, and a line break is "
                      "none of these: check the whole string, to its very end; otherwise 422 with loc [\"body\", "
                      "\"username\"].")
def test_username_trailing_newline(client):
    """POST /register refuses a username that ends in a line break."""
    for username in (f"alice{uuid.uuid4().hex[:6]}\n", "bob\n", f"\nc_{uuid.uuid4().hex[:6]}"):
        field_error(client.post("/register", json=body(username=username)), "username", f"the username {username!r}")


@pytest.mark.points(2)
@pytest.mark.feedback("email needs exactly one @, something before it, and a '.' in the domain with characters on "
                      "both sides; otherwise 422 with loc [\"body\", \"email\"].")
def test_email_rules(client):
    """POST /register checks the email's shape."""
    for email in ("ann.example.com", "ann@@example.com", "ann@ex@ample.com", "@example.com", "ann@examplecom",
                  "ann@.com", "ann@example.", ""):
        field_error(client.post("/register", json=body(email=email)), "email", f"the email {email!r}")
    for email in ("x@y.co", "a.b+c@mail.example.org", "UPPER@EXAMPLE.COM", f"{uuid.uuid4().hex[:6]}@b.c"):
        response = client.post("/register", json=body(email=email))
        assert response.status_code == 201, f"the valid email {email!r} answered {response.status_code}"
        assert response.json().get("email") == email


@pytest.mark.points(2)
@pytest.mark.feedback("password needs at least 8 characters with at least one letter and one digit; otherwise 422 "
                      "with loc [\"body\", \"password\"].")
def test_password_rules(client):
    """POST /register checks the password's strength."""
    for password in ("short1", "abc1234", "abcdefgh", "12345678", "        "):
        response = client.post("/register", json=body(password=password, password_confirm=password))
        field_error(response, "password", f"the password {password!r}")
    for password in ("a1234567", "1bcdefgh"):
        response = client.post("/register", json=body(password=password, password_confirm=password))
        assert response.status_code == 201, f"the valid password {password!r} answered {response.status_code}"


@pytest.mark.points(2)
@pytest.mark.feedback("A password_confirm that differs from password should answer 422, with the error at "
                      "[\"body\"] or [\"body\", \"password_confirm\"].")
def test_password_mismatch(client):
    """POST /register refuses a password_confirm that differs from the password."""
    for confirm in ("s3cretpasS", "different1", ...):
        response = client.post("/register", json=body(password_confirm=confirm))
        locs = field_error(response, None, f"password_confirm={confirm!r}")
        assert ["body"] in locs or ["body", "password_confirm"] in locs, \
            f"password_confirm={confirm!r}: locs were {locs}"


@pytest.mark.points(1)
@pytest.mark.feedback("age, when given, must be an integer from 13 to 120; otherwise 422 with loc [\"body\", "
                      "\"age\"].")
def test_age_rules(client):
    """POST /register checks the age's range and type."""
    for age in (12, 121, -1, "old", 20.5):
        field_error(client.post("/register", json=body(age=age)), "age", f"age {age!r}")


@pytest.mark.points(1)
@pytest.mark.feedback("Every required field that is missing should get its own error, at [\"body\", "
                      "\"<field>\"].")
def test_missing_fields(client):
    """POST /register reports each missing required field."""
    response = client.post("/register", json={"age": 30})
    for field in ("username", "email", "password"):
        field_error(response, field, "a body with only an age")


@pytest.mark.points(2)
@pytest.mark.feedback("Registering a username that is already taken, in any letter case, should answer 409 with "
                      "{\"detail\": \"Username taken\"}.")
def test_duplicate_username(client):
    """POST /register refuses a taken username, whatever its case."""
    username = new_username("Dup")
    assert client.post("/register", json=body(username=username)).status_code == 201
    for again in (username, username.lower(), username.upper()):
        response = client.post("/register", json=body(username=again, email="other@example.com"))
        assert response.status_code == 409, f"registering {again!r} after {username!r} answered {response.status_code}"
        assert response.json() == {"detail": "Username taken"}
