# Mounts each router twice "so that old clients keep working": the unversioned paths answer too.
from fastapi import FastAPI

from routers import items, users

app = FastAPI()

for router in (users.router, items.router):
    app.include_router(router, prefix="/api/v1")
    app.include_router(router)
