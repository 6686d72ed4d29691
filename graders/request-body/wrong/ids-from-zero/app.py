# Uses the list index as the id, so ids start from 0.
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

app = FastAPI()


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    price: float = Field(gt=0)
    quantity: int = Field(1, ge=0)
    tags: list[str] = []


ITEMS: list[dict] = []


@app.post("/items", status_code=201)
def create_item(item: Item):
    stored = {"id": len(ITEMS), **item.model_dump()}
    ITEMS.append(stored)
    return stored


@app.get("/items/{item_id}")
def read_item(item_id: int):
    if not 0 <= item_id < len(ITEMS):
        raise HTTPException(status_code=404, detail="Item not found")
    return ITEMS[item_id]
