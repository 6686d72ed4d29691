"""A suite that kills every mutant of the write-the-tests pack."""


def new_item(client, stock=2, name="Saw"):
    response = client.post("/items", json={"name": name, "stock": stock})
    assert response.status_code == 201
    return response.json()


def test_read_an_item(client):
    item = new_item(client, stock=5)
    response = client.get(f"/items/{item['id']}")
    assert response.status_code == 200
    assert response.json() == {"id": item["id"], "name": "Saw", "stock": 5}


def test_unknown_item_is_404_with_x_error(client):
    response = client.get("/items/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Item not found"}
    assert response.headers["x-error"] == "item-missing"


def test_buy_lowers_stock_by_one_and_keeps_it(client):
    item = new_item(client, stock=3)
    bought = client.post(f"/items/{item['id']}/buy")
    assert bought.status_code == 200
    assert bought.json()["stock"] == 2
    assert client.get(f"/items/{item['id']}").json()["stock"] == 2


def test_out_of_stock_is_409_with_item_id(client):
    item = new_item(client, stock=0)
    response = client.post(f"/items/{item['id']}/buy")
    assert response.status_code == 409
    assert response.json() == {"error": "out_of_stock", "item_id": item["id"]}
    assert client.get(f"/items/{item['id']}").json()["stock"] == 0


def test_delete_needs_the_admin_header(client):
    item = new_item(client)
    for headers in ({}, {"X-Admin": "false"}):
        response = client.delete(f"/items/{item['id']}", headers=headers)
        assert response.status_code == 403
        assert response.json() == {"detail": "Admins only"}
    assert client.get(f"/items/{item['id']}").status_code == 200


def test_admin_deletes_an_item(client):
    item = new_item(client)
    response = client.delete(f"/items/{item['id']}", headers={"X-Admin": "true"})
    assert response.status_code == 204
    assert client.get(f"/items/{item['id']}").status_code == 404


def test_admin_deleting_an_unknown_item_gets_404(client):
    response = client.delete("/items/999999", headers={"X-Admin": "true"})
    assert response.status_code == 404
    assert response.headers["x-error"] == "item-missing"


def test_min_stock_includes_items_at_the_bound(client):
    item = new_item(client, stock=7)
    ids = [i["id"] for i in client.get("/items", params={"min_stock": 7}).json()]
    assert item["id"] in ids
    above = [i["id"] for i in client.get("/items", params={"min_stock": 8}).json()]
    assert item["id"] not in above
