# The routers are mounted, but without the version prefix: the routes answer /users instead of /api/v1/users.
from fastapi import FastAPI

from routers import items, users

app = FastAPI()

app.include_router(users.router)
app.include_router(items.router)
