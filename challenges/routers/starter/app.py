from fastapi import FastAPI

from routers import items, users  # noqa: F401 - you will mount these below

app = FastAPI()

# TODO: mount users.router and items.router so that every route lives under /api/v1.
