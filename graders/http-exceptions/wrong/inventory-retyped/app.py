# The starter's INVENTORY retyped by hand, with the hammer's stock and the wrench's name changed.
from typing import Annotated

from fastapi import FastAPI, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse

app = FastAPI()

INVENTORY = {1: {"id": 1, "name": "Hammer", "stock": 2}, 2: {"id": 2, "name": "wrench", "stock": 0}}


class OutOfStockError(Exception):
    """Raised when someone buys an item whose stock is 0."""

    def __init__(self, item_id: int):
        self.item_id = item_id


@app.exception_handler(OutOfStockError)
async def out_of_stock_handler(request: Request, exc: OutOfStockError):
    return JSONResponse(status_code=409, content={"error": "out_of_stock", "item_id": exc.item_id})


def get_item_or_404(item_id: int) -> dict:
    item = INVENTORY.get(item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="Item not found", headers={"X-Error": "item-missing"})
    return item


@app.get("/items/{item_id}")
def read_item(item_id: int):
    return get_item_or_404(item_id)


@app.post("/items/{item_id}/buy")
def buy_item(item_id: int):
    item = get_item_or_404(item_id)
    if item["stock"] == 0:
        raise OutOfStockError(item_id)
    item["stock"] -= 1
    return item


@app.delete("/items/{item_id}", status_code=204)
async def delete_item(item_id: int, x_admin: Annotated[str | None, Header()] = None):
    if x_admin != "true":
        raise HTTPException(status_code=403, detail="Admins only")
    get_item_or_404(item_id)
    del INVENTORY[item_id]
    return Response(status_code=204)
