"""Visible examples: run them with "Run examples". The hidden tests check more."""


def test_create_item(client):
    """POST /items answers 201 with the stored item and its id."""
    response = client.post("/items", json={"name": "Pen", "price": 2.5})
    assert response.status_code == 201
    body = response.json()
    assert isinstance(body["id"], int)
    assert body == {"id": body["id"], "name": "Pen", "price": 2.5, "quantity": 1, "tags": []}


def test_negative_price_is_rejected(client):
    """POST /items rejects a negative price, pointing at the field."""
    response = client.post("/items", json={"name": "Pen", "price": -1})
    assert response.status_code == 422
    assert ["body", "price"] in [error["loc"] for error in response.json()["detail"]]
