from fastapi import FastAPI

app = FastAPI()

# Keep these as they are: the tests use these tokens and lists.
TOKENS = {
    "token-alice": {"username": "alice", "role": "admin"},
    "token-bob": {"username": "bob", "role": "member"},
}
ARTICLES = [f"article-{i}" for i in range(1, 31)]
COMMENTS = [f"comment-{i}" for i in range(1, 31)]


# TODO: get_current_user: read "Authorization: Bearer <token>", answer 401 as the prompt says
# TODO: require_admin: built on get_current_user, 403 for non-admins
# TODO: one pagination dependency (skip >= 0, default 0; limit 1..50, default 10)


@app.get("/me")
def me():
    # TODO: depend on the current user
    return {}


# TODO: GET /admin/stats, GET /articles and GET /comments
