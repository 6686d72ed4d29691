# An off-by-one minimum: a 1-character name is refused.
from typing import Annotated

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

app = FastAPI()


class ItemIn(BaseModel):
    name: Annotated[str, Field(min_length=2, max_length=50)]
    price: Annotated[float, Field(gt=0)]
    quantity: Annotated[int, Field(ge=0)] = 1
    tags: list[str] = []


class Item(ItemIn):
    id: int


ITEMS: dict[int, Item] = {}


@app.post("/items", status_code=201, response_model=Item)
def create_item(item: ItemIn):
    stored = Item(id=len(ITEMS) + 1, **item.model_dump())
    ITEMS[stored.id] = stored
    return stored


@app.get("/items/{item_id}", response_model=Item)
async def read_item(item_id: int):
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail="Item not found")
    return ITEMS[item_id]
