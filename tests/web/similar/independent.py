import itertools

from fastapi import FastAPI, HTTPException, status
from pydantic import BaseModel, Field

app = FastAPI(title="Items")
_next_id = itertools.count(1)
_store = {}


class NewItem(BaseModel):
    name: str = Field(..., min_length=1, max_length=50)
    price: float = Field(..., gt=0)
    quantity: int = Field(default=1, ge=0)
    tags: list[str] = Field(default_factory=list)


@app.get("/items/{item_id}")
def get_item(item_id: int) -> dict:
    try:
        return _store[item_id]
    except KeyError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such item") from None


@app.post("/items", status_code=status.HTTP_201_CREATED)
async def add_item(new: NewItem) -> dict:
    item = {"id": next(_next_id), **new.model_dump()}
    _store[item["id"]] = item
    return item
