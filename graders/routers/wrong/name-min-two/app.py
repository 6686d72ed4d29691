from fastapi import FastAPI

from routers import items, users

app = FastAPI(title="Versioned routers")

API_V1 = "/api/v1"
app.include_router(users.router, prefix=API_V1)
app.include_router(items.router, prefix=API_V1)
