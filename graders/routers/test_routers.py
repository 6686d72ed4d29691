import re
import uuid

import pytest

USERS = [{"id": 1, "name": "alice"}, {"id": 2, "name": "bob"}]

# A router declared with `@router.get("/")` answers `/api/v1/users/`, and FastAPI redirects `/api/v1/users` there
# (307, which keeps the method and body). Real clients follow that, so these tests do too.
FOLLOW = {"follow_redirects": True}


def new_name() -> str:
    return f"item-{uuid.uuid4().hex[:12]}"


def create_item(client, name: str):
    return client.post("/api/v1/items", json={"name": name}, **FOLLOW)


@pytest.mark.points(2)
@pytest.mark.feedback("GET /api/v1/users should answer 200 with the USERS list from routers/users.py, unchanged. "
                      "Is the users router mounted under /api/v1?")
def test_list_users(client):
    """GET /api/v1/users lists the users."""
    response = client.get("/api/v1/users", **FOLLOW)
    assert response.status_code == 200
    assert response.json() == USERS


@pytest.mark.points(1)
@pytest.mark.feedback("GET /api/v1/users/{id} should answer 200 with that one user object.")
def test_read_user(client):
    """GET /api/v1/users/{id} returns one user."""
    for user in USERS:
        response = client.get(f"/api/v1/users/{user['id']}", **FOLLOW)
        assert response.status_code == 200
        assert response.json() == user


@pytest.mark.points(2)
@pytest.mark.feedback("An unknown user id should answer 404 with exactly {\"detail\": \"User not found\"}.")
def test_unknown_user_is_404(client):
    """An unknown user id is a 404 with the stated body."""
    response = client.get("/api/v1/users/987654", **FOLLOW)
    assert response.status_code == 404
    assert response.json() == {"detail": "User not found"}


@pytest.mark.points(2)
@pytest.mark.feedback("POST /api/v1/items should answer 201 with exactly the keys \"id\" (an integer) and \"name\".")
def test_create_item(client):
    """POST /api/v1/items creates an item."""
    name = new_name()
    response = create_item(client, name)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name"}
    assert body["name"] == name
    assert isinstance(body["id"], int) and not isinstance(body["id"], bool)


@pytest.mark.points(1)
@pytest.mark.feedback("Item ids should start at 1 and go up by one for each item created: 1, 2, 3, ...")
def test_item_ids_count_from_one(client):
    """Item ids start at 1 and go up by one."""
    first = create_item(client, new_name())
    second = create_item(client, new_name())
    assert first.status_code == second.status_code == 201
    assert second.json()["id"] == first.json()["id"] + 1
    listed = client.get("/api/v1/items", **FOLLOW).json()
    assert sorted(item["id"] for item in listed) == list(range(1, len(listed) + 1))


@pytest.mark.points(2)
@pytest.mark.feedback("GET /api/v1/items should answer 200 with a list of {\"id\", \"name\"} objects that includes "
                      "every item created so far.")
def test_list_items_includes_created(client):
    """GET /api/v1/items lists the items created."""
    names = [new_name(), new_name()]
    created = [create_item(client, name).json() for name in names]
    response = client.get("/api/v1/items", **FOLLOW)
    assert response.status_code == 200
    listed = response.json()
    assert isinstance(listed, list)
    for item in created:
        assert item in listed
    assert all(set(item) == {"id", "name"} for item in listed)


@pytest.mark.points(1)
@pytest.mark.feedback("An item name must be 1 to 50 characters: an empty or longer name is a 422, "
                      "and exactly 1 or 50 characters is fine.")
def test_item_name_length(client):
    """Item names are validated: 1 to 50 characters."""
    assert create_item(client, "").status_code == 422
    assert create_item(client, "x" * 51).status_code == 422
    assert client.post("/api/v1/items", json={}, **FOLLOW).status_code == 422
    longest = "y" * 40 + uuid.uuid4().hex[:10]
    response = create_item(client, longest)
    assert response.status_code == 201
    assert response.json()["name"] == longest
    response = create_item(client, "y")
    assert response.status_code == 201, f"a 1-character name answered {response.status_code}"


@pytest.mark.points(2)
@pytest.mark.feedback("The routes must exist only under /api/v1: /users, /users/1 and /items without the prefix "
                      "should answer 404.")
def test_unprefixed_paths_are_404(client):
    """The same paths without /api/v1 do not exist."""
    for path in ("/users", "/users/", "/users/1", "/items", "/items/"):
        assert client.get(path).status_code == 404, f"GET {path}"
    assert client.post("/items", json={"name": new_name()}).status_code == 404, "POST /items"


EXPECTED_OPERATIONS = [
    ("users", "GET /api/v1/users", "get", re.compile(r"^/api/v1/users/?$")),
    ("users", "GET /api/v1/users/{id}", "get", re.compile(r"^/api/v1/users/\{[^/}]+\}/?$")),
    ("items", "GET /api/v1/items", "get", re.compile(r"^/api/v1/items/?$")),
    ("items", "POST /api/v1/items", "post", re.compile(r"^/api/v1/items/?$")),
]


@pytest.mark.points(2)
@pytest.mark.feedback("In /openapi.json, both user operations should carry the tag \"users\" and both item "
                      "operations the tag \"items\".")
def test_openapi_tags(client):
    """The OpenAPI schema tags the user and item operations."""
    paths = client.get("/openapi.json").json().get("paths", {})
    for tag, name, method, pattern in EXPECTED_OPERATIONS:
        matching = [ops[method] for path, ops in paths.items() if pattern.match(path) and method in ops]
        assert matching, f"{name} is not in /openapi.json"
        for operation in matching:
            assert tag in operation.get("tags", []), f"{name} has tags {operation.get('tags', [])}"
