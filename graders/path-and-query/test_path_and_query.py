import pytest

CATALOG = [f"item-{i}" for i in range(1, 51)]


def page(skip, limit):
    return {"skip": skip, "limit": limit, "items": CATALOG[skip:skip + limit]}


@pytest.mark.points(2)
@pytest.mark.feedback("GET /users/{user_id} should answer 200 with {\"user_id\": <id>}, the id as a JSON integer "
                      "(not a string).")
def test_user_id_is_an_integer(client):
    """GET /users/{user_id} answers the id as an integer."""
    for user_id in (1, 42, 123456):
        response = client.get(f"/users/{user_id}")
        assert response.status_code == 200, f"/users/{user_id} answered {response.status_code}"
        assert response.json() == {"user_id": user_id}


@pytest.mark.points(1)
@pytest.mark.feedback("A user_id that is not an integer should be rejected with 422: let the type of the "
                      "parameter do the work.")
def test_user_id_not_an_integer(client):
    """GET /users/{user_id} rejects ids that are not integers."""
    for bad in ("abc", "1.5", "one"):
        response = client.get(f"/users/{bad}")
        assert response.status_code == 422, f"/users/{bad} answered {response.status_code}"


@pytest.mark.points(2)
@pytest.mark.feedback("A user_id below 1 should be rejected with 422. An int type alone accepts 0 and negative "
                      "numbers: the parameter needs a bound too.")
def test_user_id_below_one(client):
    """GET /users/{user_id} rejects ids below 1."""
    for bad in ("0", "-3"):
        response = client.get(f"/users/{bad}")
        assert response.status_code == 422, f"/users/{bad} answered {response.status_code}"


@pytest.mark.points(2)
@pytest.mark.feedback("GET /items with no query should answer {\"skip\": 0, \"limit\": 10, \"items\": "
                      "<the first 10 catalog entries>}.")
def test_items_defaults(client):
    """GET /items uses the default skip and limit."""
    response = client.get("/items")
    assert response.status_code == 200
    assert response.json() == page(0, 10)


@pytest.mark.points(2)
@pytest.mark.feedback("GET /items should answer the slice CATALOG[skip:skip + limit], with skip and limit as "
                      "integers. Check the slice with skip > 0.")
def test_items_skip_and_limit(client):
    """GET /items pages through the catalog with skip and limit."""
    for query, skip, limit in (("skip=5&limit=3", 5, 3), ("skip=20", 20, 10), ("limit=4", 0, 4),
                               ("skip=45&limit=10", 45, 10)):
        response = client.get(f"/items?{query}")
        assert response.status_code == 200, f"/items?{query} answered {response.status_code}"
        assert response.json() == page(skip, limit), f"wrong answer for /items?{query}"


@pytest.mark.points(1)
@pytest.mark.feedback("The bounds are inclusive (skip=0, limit=1 and limit=100 are allowed), and a skip past the "
                      "end of the catalog answers a shorter or empty list.")
def test_items_edges(client):
    """GET /items accepts the edge values and pages past the end."""
    for query, skip, limit in (("skip=0", 0, 10), ("skip=0&limit=1", 0, 1), ("limit=1", 0, 1), ("limit=100", 0, 100),
                               ("skip=49&limit=5", 49, 5),
                               ("skip=50", 50, 10), ("skip=1000&limit=100", 1000, 100)):
        response = client.get(f"/items?{query}")
        assert response.status_code == 200, f"/items?{query} answered {response.status_code}"
        assert response.json() == page(skip, limit), f"wrong answer for /items?{query}"


@pytest.mark.points(2)
@pytest.mark.feedback("skip must be >= 0 and limit between 1 and 100: any value outside those ranges should be "
                      "rejected with 422.")
def test_items_out_of_range(client):
    """GET /items rejects skip and limit values out of range."""
    for query in ("skip=-1", "limit=0", "limit=101", "limit=-5", "skip=3&limit=1000"):
        response = client.get(f"/items?{query}")
        assert response.status_code == 422, f"/items?{query} answered {response.status_code}"


@pytest.mark.points(1)
@pytest.mark.feedback("skip and limit that are not integers should be rejected with 422.")
def test_items_not_integers(client):
    """GET /items rejects skip and limit values that are not integers."""
    for query in ("skip=abc", "limit=ten", "limit=2.5"):
        response = client.get(f"/items?{query}")
        assert response.status_code == 422, f"/items?{query} answered {response.status_code}"


@pytest.mark.points(2)
@pytest.mark.feedback("GET /search?q=... should answer {\"q\": q, \"results\": [...]}, every catalog entry that "
                      "contains q, in catalog order.")
def test_search_results(client):
    """GET /search finds the catalog entries that contain q."""
    for q in ("item-1", "-4", "50", "item-7"):
        response = client.get("/search", params={"q": q})
        assert response.status_code == 200, f"/search?q={q} answered {response.status_code}"
        assert response.json() == {"q": q, "results": [c for c in CATALOG if q in c]}, f"wrong answer for q={q}"


@pytest.mark.points(1)
@pytest.mark.feedback("A search that matches nothing still answers 200, with an empty results list.")
def test_search_no_match(client):
    """GET /search with no match answers an empty list."""
    response = client.get("/search", params={"q": "zz"})
    assert response.status_code == 200
    assert response.json() == {"q": "zz", "results": []}


@pytest.mark.points(2)
@pytest.mark.feedback("q is required and at least 2 characters long: a missing, empty or 1-character q should be "
                      "rejected with 422.")
def test_search_q_required(client):
    """GET /search rejects a missing or too-short q."""
    for query in ("", "?q=", "?q=a", "?other=item"):
        response = client.get(f"/search{query}")
        assert response.status_code == 422, f"/search{query} answered {response.status_code}"
