# Returns the HTTPException instead of raising it: unknown items answer 200 with the exception's fields.
from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse

app = FastAPI()

INVENTORY = {1: {"id": 1, "name": "Hammer", "stock": 3}, 2: {"id": 2, "name": "Wrench", "stock": 0}}


class OutOfStockError(Exception):
    def __init__(self, item_id: int):
        self.item_id = item_id


@app.exception_handler(OutOfStockError)
def out_of_stock_handler(request: Request, exc: OutOfStockError):
    return JSONResponse(status_code=409, content={"error": "out_of_stock", "item_id": exc.item_id})


NOT_FOUND = HTTPException(status_code=404, detail="Item not found", headers={"X-Error": "item-missing"})


@app.get("/items/{item_id}")
def read_item(item_id: int):
    if item_id not in INVENTORY:
        return NOT_FOUND
    return INVENTORY[item_id]


@app.post("/items/{item_id}/buy")
def buy_item(item_id: int):
    if item_id not in INVENTORY:
        return NOT_FOUND
    item = INVENTORY[item_id]
    if item["stock"] == 0:
        raise OutOfStockError(item_id)
    item["stock"] -= 1
    return item


@app.delete("/items/{item_id}", status_code=204)
def delete_item(item_id: int, x_admin: str = Header(None)):
    if x_admin != "true":
        return HTTPException(status_code=403, detail="Admins only")
    INVENTORY.pop(item_id, None)
