# An off-by-one minimum: a 1-character name is refused.
from itertools import count
from typing import Annotated

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

router = APIRouter(prefix="/items", tags=["items"])


class ItemIn(BaseModel):
    name: Annotated[str, Field(min_length=2, max_length=50)]


class Item(ItemIn):
    id: int


ITEMS: list[Item] = []
_next_id = count(1)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_item(data: ItemIn) -> Item:
    item = Item(id=next(_next_id), name=data.name)
    ITEMS.append(item)
    return item


@router.get("")
def list_items() -> list[Item]:
    return ITEMS
