# The given COMMENTS list edited by an off-by-one: it ends at comment-31, not comment-30.
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Query

app = FastAPI()

TOKENS = {
    "token-alice": {"username": "alice", "role": "admin"},
    "token-bob": {"username": "bob", "role": "member"},
}
ARTICLES = [f"article-{i}" for i in range(1, 31)]
COMMENTS = [f"comment-{i}" for i in range(1, 32)]


def get_current_user(authorization: Annotated[str | None, Header()] = None) -> dict:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(status_code=401, detail="Not authenticated", headers={"WWW-Authenticate": "Bearer"})
    user = TOKENS.get(token.strip())
    if user is None:
        raise HTTPException(status_code=401, detail="Invalid token", headers={"WWW-Authenticate": "Bearer"})
    return user


CurrentUser = Annotated[dict, Depends(get_current_user)]


def require_admin(user: CurrentUser) -> dict:
    if user["role"] != "admin":
        raise HTTPException(status_code=403, detail="Admins only")
    return user


class Pagination:
    def __init__(self, skip: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(ge=1, le=50)] = 10):
        self.skip = skip
        self.limit = limit

    def page(self, items: list[str]) -> dict:
        return {"skip": self.skip, "limit": self.limit, "items": items[self.skip:self.skip + self.limit]}


Page = Annotated[Pagination, Depends()]


@app.get("/me")
def me(user: CurrentUser):
    return user


@app.get("/admin/stats", dependencies=[Depends(require_admin)])
def admin_stats():
    return {"users": len(TOKENS)}


@app.get("/articles", dependencies=[Depends(get_current_user)])
def articles(page: Page):
    return page.page(ARTICLES)


@app.get("/comments", dependencies=[Depends(get_current_user)])
async def comments(page: Page):
    return page.page(COMMENTS)
