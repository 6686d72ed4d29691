import uuid

import pytest

from proctor.grading.plugin import step

UNKNOWN_ID = 987654321


def unique_name(prefix="item"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def create(client, **fields):
    response = client.post("/items", json=fields)
    assert response.status_code == 201, f"POST /items answered {response.status_code}, expected 201"
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("id"), int), \
        f"POST /items should answer the item with an integer \"id\"; got {body!r}"
    return body


def assert_field_error(response, field, sent):
    assert response.status_code == 422, f"{sent} answered {response.status_code}, expected 422"
    detail = response.json().get("detail")
    assert isinstance(detail, list) and detail, f"{sent}: the 422 body should be FastAPI's list of errors"
    for error in detail:
        assert {"loc", "msg", "type"} <= set(error), f"{sent}: each error has loc, msg and type"
    locs = [list(error["loc"]) for error in detail]
    assert ["body", field] in locs, f"{sent}: no error with loc [\"body\", \"{field}\"]; locs were {locs}"


@pytest.mark.points(2)
@pytest.mark.feedback("POST /items should answer 201 with the stored item and its id, with quantity 1 and tags [] "
                      "when they are left out.")
def test_create_with_defaults(client):
    """POST /items answers 201 with the item, its id and the defaults."""
    name = unique_name()
    body = create(client, name=name, price=9.99)
    assert body == {"id": body["id"], "name": name, "price": 9.99, "quantity": 1, "tags": []}


@pytest.mark.points(1)
@pytest.mark.feedback("POST /items should store and answer every field it was given.")
def test_create_with_all_fields(client):
    """POST /items keeps every field it was given."""
    name = "x" * 40 + uuid.uuid4().hex[:10]  # 50 characters: the longest name allowed
    body = create(client, name=name, price=120, quantity=0, tags=["tools", "sale"])
    assert body == {"id": body["id"], "name": name, "price": 120, "quantity": 0, "tags": ["tools", "sale"]}


@pytest.mark.points(2)
@pytest.mark.feedback("Ids should be consecutive integers starting from 1: the first item created gets 1, the "
                      "next 2, and so on. So there is never an item 0, and GET /items/0 finds nothing.")
def test_ids_are_consecutive_from_one(client):
    """POST /items numbers items 1, 2, 3, ... in order."""
    first = create(client, name=unique_name(), price=1)
    second = create(client, name=unique_name(), price=2)
    assert first["id"] >= 1
    assert second["id"] == first["id"] + 1
    # Numbering from 1 means item 1 now exists and there is no item 0.
    assert client.get("/items/1").status_code == 200, "GET /items/1 found nothing after items were created"
    assert client.get("/items/0").status_code in (404, 422), "an item with id 0 exists"


@pytest.mark.points(2)
@pytest.mark.feedback("GET /items/{item_id} should answer 200 with the stored item, exactly as POST /items "
                      "answered it.")
def test_get_item(client):
    """GET /items/{item_id} answers the stored item."""
    created = create(client, name=unique_name(), price=3.5, quantity=7, tags=["a"])
    response = client.get(f"/items/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


@pytest.mark.points(2)
@pytest.mark.feedback("An id with no stored item should answer 404 with {\"detail\": \"Item not found\"}. Is the "
                      "exception raised?")
def test_get_unknown_item(client):
    """GET /items/{item_id} of an unknown id answers 404."""
    response = client.get(f"/items/{UNKNOWN_ID}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found"}


@pytest.mark.points(1)
@pytest.mark.feedback("Pydantic's coercion should apply: a price of \"9.5\" is the number 9.5, and a quantity of "
                      "\"3\" the integer 3.")
def test_coercion(client):
    """POST /items coerces numeric strings to numbers."""
    name = unique_name()
    body = create(client, name=name, price="9.5", quantity="3")
    assert body == {"id": body["id"], "name": name, "price": 9.5, "quantity": 3, "tags": []}
    assert client.get(f"/items/{body['id']}").json() == body


@pytest.mark.points(2)
@pytest.mark.feedback("name is required and 1 to 50 characters long; a broken rule should answer 422 with an error "
                      "whose loc is [\"body\", \"name\"].")
def test_invalid_name(client):
    """POST /items rejects a missing, empty or too-long name."""
    for body, sent in (({"price": 1}, "a missing name"), ({"name": "", "price": 1}, "an empty name"),
                       ({"name": "n" * 51, "price": 1}, "a 51-character name"),
                       ({"name": 42, "price": 1}, "a number as the name")):
        assert_field_error(client.post("/items", json=body), "name", sent)
    with step("A 1-character name is allowed: POST /items should answer 201."):
        create(client, name="n", price=1)


@pytest.mark.points(2)
@pytest.mark.feedback("price is a required number greater than 0; a broken rule should answer 422 with an error "
                      "whose loc is [\"body\", \"price\"].")
def test_invalid_price(client):
    """POST /items rejects a missing, zero, negative or non-numeric price."""
    name = unique_name()
    for body, sent in (({"name": name}, "a missing price"), ({"name": name, "price": 0}, "a price of 0"),
                       ({"name": name, "price": -5}, "a negative price"),
                       ({"name": name, "price": "cheap"}, "a price of \"cheap\"")):
        assert_field_error(client.post("/items", json=body), "price", sent)


@pytest.mark.points(1)
@pytest.mark.feedback("quantity is an integer >= 0; a broken rule should answer 422 with an error whose loc is "
                      "[\"body\", \"quantity\"].")
def test_invalid_quantity(client):
    """POST /items rejects a negative or non-integer quantity."""
    name = unique_name()
    for value in (-1, 1.5, "many"):
        response = client.post("/items", json={"name": name, "price": 1, "quantity": value})
        assert_field_error(response, "quantity", f"a quantity of {value!r}")


@pytest.mark.points(1)
@pytest.mark.feedback("tags is a list of strings; anything else should answer 422 with an error whose loc starts "
                      "with [\"body\", \"tags\"].")
def test_invalid_tags(client):
    """POST /items rejects tags that are not a list of strings."""
    name = unique_name()
    for value in ("tools", {"a": 1}, [1, 2]):
        response = client.post("/items", json={"name": name, "price": 1, "tags": value})
        assert response.status_code == 422, f"tags={value!r} answered {response.status_code}, expected 422"
        locs = [list(error["loc"]) for error in response.json()["detail"]]
        assert any(loc[:2] == ["body", "tags"] for loc in locs), f"tags={value!r}: locs were {locs}"
