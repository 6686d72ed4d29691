from fastapi import FastAPI

app = FastAPI()

# The shop's stock. Keep these two items as they are.
INVENTORY = {1: {"id": 1, "name": "Hammer", "stock": 3}, 2: {"id": 2, "name": "Wrench", "stock": 0}}


class OutOfStockError(Exception):
    """Raised when someone buys an item whose stock is 0."""

    def __init__(self, item_id: int):
        self.item_id = item_id


# TODO: an exception handler that turns OutOfStockError into a 409


@app.get("/items/{item_id}")
def read_item(item_id: int):
    # TODO: an unknown item answers 404, with the X-Error header
    return INVENTORY[item_id]


# TODO: POST /items/{item_id}/buy
# TODO: DELETE /items/{item_id}, for admins only
