"""Visible examples: run them with "Run examples". The hidden tests check more."""


def test_register(client):
    """POST /register answers 201 with the lower-cased username and no password."""
    response = client.post("/register", json={"username": "Example_User", "email": "ex@example.com",
                                               "password": "s3cretpass", "password_confirm": "s3cretpass"})
    assert response.status_code == 201
    assert response.json() == {"username": "example_user", "email": "ex@example.com", "age": None}


def test_bad_email_points_at_email(client):
    """POST /register with a bad email answers 422 pointing at the email field."""
    response = client.post("/register", json={"username": "example_two", "email": "not-an-email",
                                               "password": "s3cretpass", "password_confirm": "s3cretpass"})
    assert response.status_code == 422
    assert ["body", "email"] in [error["loc"] for error in response.json()["detail"]]
