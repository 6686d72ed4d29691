def test_login(client):
    response = client.post("/token", data={"username": "alice", "password": "wonderland"})
    assert response.status_code == 200
