# Raises the right 404 but forgets the X-Error response header.
from fastapi import FastAPI, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse

app = FastAPI()

INVENTORY = {1: {"id": 1, "name": "Hammer", "stock": 3}, 2: {"id": 2, "name": "Wrench", "stock": 0}}


class OutOfStockError(Exception):
    def __init__(self, item_id: int):
        self.item_id = item_id


@app.exception_handler(OutOfStockError)
async def out_of_stock_handler(request: Request, exc: OutOfStockError):
    return JSONResponse(status_code=409, content={"error": "out_of_stock", "item_id": exc.item_id})


def find(item_id: int) -> dict:
    if item_id not in INVENTORY:
        raise HTTPException(status_code=404, detail="Item not found")
    return INVENTORY[item_id]


@app.get("/items/{item_id}")
async def read_item(item_id: int):
    return find(item_id)


@app.post("/items/{item_id}/buy")
async def buy_item(item_id: int):
    item = find(item_id)
    if item["stock"] <= 0:
        raise OutOfStockError(item_id)
    item["stock"] -= 1
    return item


@app.delete("/items/{item_id}")
async def delete_item(item_id: int, x_admin: str | None = Header(default=None)):
    if x_admin != "true":
        raise HTTPException(status_code=403, detail="Admins only")
    find(item_id)
    del INVENTORY[item_id]
    return Response(status_code=204)
