# Everything right except the status code: POST /items keeps FastAPI's default 200 instead of 201.
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

app = FastAPI()


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    price: float = Field(gt=0)
    quantity: int = Field(1, ge=0)
    tags: list[str] = []


ITEMS: dict[int, dict] = {}


@app.post("/items")
def create_item(item: Item):
    item_id = len(ITEMS) + 1
    ITEMS[item_id] = {"id": item_id, **item.model_dump()}
    return ITEMS[item_id]


@app.get("/items/{item_id}")
def read_item(item_id: int):
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail="Item not found")
    return ITEMS[item_id]
