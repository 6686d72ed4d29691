"""Hidden tests for http-exceptions.

The app's state is shared by every test in a run, and the order must not matter. Only two items exist:
- the hammer (id 1) is bought by test_buy_lowers_stock and test_out_of_stock, and is never deleted;
- the wrench (id 2) is deleted by test_delete_as_admin, and touched by no other test.
test_starting_inventory checks both as the starter declares them, counting the hammers the other tests bought.
"""

import pytest

HAMMER, WRENCH = 1, 2
UNKNOWN = 424242
NOT_FOUND = {"detail": "Item not found"}
RUN = {"hammers_sold": 0, "wrench_deleted": False}  # what this run's tests did to the shared inventory


def hammer(client):
    response = client.get(f"/items/{HAMMER}")
    assert response.status_code == 200, f"GET /items/{HAMMER} answered {response.status_code}"
    return response.json()


@pytest.mark.points(1)
@pytest.mark.feedback("Keep the starter's INVENTORY as it is: the hammer (id 1) starts with a stock of 3, and the "
                      "wrench (id 2) is {\"id\": 2, \"name\": \"Wrench\", \"stock\": 0}.")
def test_starting_inventory(client):
    """The inventory starts as the starter declares it."""
    assert hammer(client) == {"id": 1, "name": "Hammer", "stock": 3 - RUN["hammers_sold"]}
    if not RUN["wrench_deleted"]:
        response = client.get(f"/items/{WRENCH}")
        assert response.status_code == 200, f"GET /items/{WRENCH} answered {response.status_code}"
        assert response.json() == {"id": 2, "name": "Wrench", "stock": 0}


@pytest.mark.points(2)
@pytest.mark.feedback("GET /items/1 should answer 200 with the hammer from INVENTORY: its id, name and stock.")
def test_get_item(client):
    """GET /items/{item_id} answers the item."""
    item = hammer(client)
    assert set(item) == {"id", "name", "stock"}
    assert item["id"] == 1 and item["name"] == "Hammer"
    assert isinstance(item["stock"], int) and 0 <= item["stock"] <= 3


@pytest.mark.points(2)
@pytest.mark.feedback("An unknown item should answer 404 with exactly {\"detail\": \"Item not found\"}.")
def test_get_unknown_item(client):
    """GET /items/{item_id} of an unknown item answers 404."""
    response = client.get(f"/items/{UNKNOWN}")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.points(1)
@pytest.mark.feedback("The 404 for an unknown item should carry the response header X-Error: item-missing.")
def test_unknown_item_header(client):
    """The 404 of an unknown item carries the X-Error header."""
    response = client.get(f"/items/{UNKNOWN}")
    assert response.status_code == 404
    assert response.headers.get("x-error") == "item-missing"


@pytest.mark.points(2)
@pytest.mark.feedback("Buying an item in stock should lower its stock by exactly 1 and answer 200 with the item "
                      "as it is now; GET should then show the new stock.")
def test_buy_lowers_stock(client):
    """POST /items/{item_id}/buy lowers the stock by one."""
    before = hammer(client)["stock"]
    response = client.post(f"/items/{HAMMER}/buy")
    if before == 0:  # test_out_of_stock already sold every hammer in this run
        assert response.status_code == 409
        return
    assert response.status_code == 200, f"buying answered {response.status_code}"
    RUN["hammers_sold"] += 1
    assert response.json() == {"id": 1, "name": "Hammer", "stock": before - 1}
    assert hammer(client)["stock"] == before - 1


@pytest.mark.points(3)
@pytest.mark.feedback("Buying an item whose stock is 0 should answer 409 with exactly {\"error\": "
                      "\"out_of_stock\", \"item_id\": <id>} (not wrapped in \"detail\"), and leave the stock at 0.")
def test_out_of_stock(client):
    """Buying an item with no stock left answers 409 and keeps the stock at 0."""
    stock = hammer(client)["stock"]
    for _ in range(stock):
        response = client.post(f"/items/{HAMMER}/buy")
        assert response.status_code == 200, f"buying a hammer in stock answered {response.status_code}"
        RUN["hammers_sold"] += 1
    for _ in range(2):
        response = client.post(f"/items/{HAMMER}/buy")
        assert response.status_code == 409, f"buying with no stock left answered {response.status_code}"
        assert response.json() == {"error": "out_of_stock", "item_id": 1}
    assert hammer(client)["stock"] == 0


@pytest.mark.points(1)
@pytest.mark.feedback("Buying an unknown item should answer 404 exactly like GET: the same body and the same "
                      "X-Error header.")
def test_buy_unknown_item(client):
    """POST /items/{item_id}/buy of an unknown item answers 404 with the error header."""
    response = client.post(f"/items/{UNKNOWN}/buy")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert response.headers.get("x-error") == "item-missing"


@pytest.mark.points(2)
@pytest.mark.feedback("DELETE without the header X-Admin: true (missing, or any other value) should answer 403 "
                      "with {\"detail\": \"Admins only\"} and delete nothing.")
def test_delete_needs_admin(client):
    """DELETE /items/{item_id} refuses anyone who is not an admin."""
    for headers in ({}, {"X-Admin": "false"}, {"X-Admin": "yes"}):
        response = client.delete(f"/items/{HAMMER}", headers=headers)
        assert response.status_code == 403, f"DELETE with headers {headers} answered {response.status_code}"
        assert response.json() == {"detail": "Admins only"}
    hammer(client)  # still there


@pytest.mark.points(1)
@pytest.mark.feedback("An admin deleting an unknown item should get 404 exactly like GET: the same body and the "
                      "same X-Error header.")
def test_delete_unknown_item(client):
    """DELETE /items/{item_id} of an unknown item answers 404 with the error header."""
    response = client.delete(f"/items/{UNKNOWN}", headers={"X-Admin": "true"})
    assert response.status_code == 404, f"DELETE of an unknown item answered {response.status_code}"
    assert response.json() == NOT_FOUND
    assert response.headers.get("x-error") == "item-missing"


@pytest.mark.points(2)
@pytest.mark.feedback("DELETE with X-Admin: true should answer 204 with an empty body, and the item should then "
                      "be gone (GET answers 404).")
def test_delete_as_admin(client):
    """DELETE /items/{item_id} as an admin removes the item."""
    RUN["wrench_deleted"] = True
    response = client.delete(f"/items/{WRENCH}", headers={"X-Admin": "true"})
    assert response.status_code == 204, f"DELETE answered {response.status_code}"
    assert response.content == b"", "a 204 has an empty body"
    response = client.get(f"/items/{WRENCH}")
    assert response.status_code == 404, f"GET after DELETE answered {response.status_code}"
    assert response.json() == NOT_FOUND
