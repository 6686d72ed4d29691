from fastapi import FastAPI

from routers import items, users

app = FastAPI()

app.include_router(users.router, prefix="/api/v1")
app.include_router(items.router, prefix="/api/v1")
