import pytest

ALICE = {"Authorization": "Bearer token-alice"}
BOB = {"Authorization": "Bearer token-bob"}
PROTECTED = ["/me", "/admin/stats", "/articles", "/comments"]
ARTICLES = [f"article-{i}" for i in range(1, 31)]
COMMENTS = [f"comment-{i}" for i in range(1, 31)]


@pytest.mark.points(2)
@pytest.mark.feedback("GET /me with a known Bearer token should answer 200 with that token's user from TOKENS.")
def test_me_returns_the_tokens_user(client):
    """GET /me answers the user the token belongs to."""
    response = client.get("/me", headers=ALICE)
    assert response.status_code == 200
    assert response.json() == {"username": "alice", "role": "admin"}
    response = client.get("/me", headers=BOB)
    assert response.status_code == 200
    assert response.json() == {"username": "bob", "role": "member"}


@pytest.mark.points(2)
@pytest.mark.feedback("Without an Authorization header, or with one that is not \"Bearer <token>\", every route "
                      "should answer 401 {\"detail\": \"Not authenticated\"}.")
def test_missing_or_malformed_header(client):
    """Every route answers 401 without a Bearer header."""
    for path in PROTECTED:
        for headers in ({}, {"Authorization": "Basic dG9rZW4tYWxpY2U="}, {"Authorization": "token-alice"}):
            response = client.get(path, headers=headers)
            assert response.status_code == 401, f"GET {path} with {headers or 'no header'}: {response.status_code}"
            assert response.json() == {"detail": "Not authenticated"}, f"GET {path} with {headers or 'no header'}"


@pytest.mark.points(2)
@pytest.mark.feedback("A Bearer token that is not in TOKENS should get 401 {\"detail\": \"Invalid token\"} on every "
                      "route.")
def test_unknown_token(client):
    """Every route answers 401 to an unknown token."""
    for path in PROTECTED:
        response = client.get(path, headers={"Authorization": "Bearer token-mallory"})
        assert response.status_code == 401, f"GET {path}: {response.status_code}"
        assert response.json() == {"detail": "Invalid token"}, f"GET {path}"


@pytest.mark.points(2)
@pytest.mark.feedback("GET /admin/stats should answer 200 {\"users\": 2} for an admin and 403 "
                      "{\"detail\": \"Admins only\"} for a member.")
def test_admin_stats(client):
    """GET /admin/stats lets an admin in and keeps a member out."""
    response = client.get("/admin/stats", headers=ALICE)
    assert response.status_code == 200
    assert response.json() == {"users": 2}
    response = client.get("/admin/stats", headers=BOB)
    assert response.status_code == 403
    assert response.json() == {"detail": "Admins only"}


@pytest.mark.points(2)
@pytest.mark.feedback("GET /articles and GET /comments should answer {\"skip\", \"limit\", \"items\"} with "
                      "items = LIST[skip:skip+limit], using the defaults skip=0 and limit=10 when not given.")
def test_pagination(client):
    """/articles and /comments page through their lists."""
    cases = [("/articles", ARTICLES, {}), ("/comments", COMMENTS, {}),
             ("/articles", ARTICLES, {"skip": 25, "limit": 50}), ("/comments", COMMENTS, {"skip": 3, "limit": 4}),
             ("/comments", COMMENTS, {"skip": 29, "limit": 1}), ("/articles", ARTICLES, {"limit": 3}),
             ("/comments", COMMENTS, {"skip": 40}), ("/comments", COMMENTS, {"skip": 25, "limit": 50})]
    for path, items, params in cases:
        response = client.get(path, params=params, headers=BOB)
        assert response.status_code == 200, f"GET {path} {params}: {response.status_code}"
        skip, limit = params.get("skip", 0), params.get("limit", 10)
        assert response.json() == {"skip": skip, "limit": limit, "items": items[skip:skip + limit]}, \
            f"GET {path} {params}"


@pytest.mark.points(2)
@pytest.mark.feedback("skip must be an integer >= 0 and limit an integer from 1 to 50; anything else should "
                      "answer 422, on both /articles and /comments.")
def test_pagination_bounds(client):
    """Out-of-range skip or limit answers 422 on both lists."""
    for path in ("/articles", "/comments"):
        for params in ({"skip": -1}, {"limit": 0}, {"limit": 51}, {"limit": "ten"}):
            response = client.get(path, params=params, headers=ALICE)
            assert response.status_code == 422, f"GET {path} {params}: {response.status_code}"
        response = client.get(path, params={"skip": 0, "limit": 50}, headers=ALICE)
        assert response.status_code == 200, f"GET {path} with limit=50: {response.status_code}"
        response = client.get(path, params={"limit": 1}, headers=ALICE)
        assert response.status_code == 200, f"GET {path} with limit=1: {response.status_code}"
