# Types the fields but never adds the rules: empty names, a price of 0 and negative quantities get through.
from typing import List

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    name: str
    price: float
    quantity: int = 1
    tags: List[str] = []


ITEMS = {}
next_id = 1


@app.post("/items", status_code=201)
async def create_item(item: Item):
    global next_id
    ITEMS[next_id] = {"id": next_id, **item.model_dump()}
    next_id += 1
    return ITEMS[next_id - 1]


@app.get("/items/{item_id}")
async def read_item(item_id: int):
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail="Item not found")
    return ITEMS[item_id]
