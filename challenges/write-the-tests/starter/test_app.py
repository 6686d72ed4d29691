def test_hammer_is_listed(client):
    response = client.get("/items/1")
    assert response.status_code == 200
