"""Visible examples: run them with "Run examples". The hidden tests check more."""


def test_unknown_item(client):
    """GET /items/{item_id} of an unknown item answers 404 with the error header."""
    response = client.get("/items/404")
    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found"}
    assert response.headers.get("x-error") == "item-missing"


def test_wrench_is_out_of_stock(client):
    """Buying the wrench, whose stock is 0, answers 409."""
    response = client.post("/items/2/buy")
    assert response.status_code == 409
    assert response.json() == {"error": "out_of_stock", "item_id": 2}
