from typing import Annotated

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

router = APIRouter(prefix="/items", tags=["items"])


class ItemIn(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=50)]


class Item(ItemIn):
    id: int


ITEMS: list[Item] = []


@router.post("", status_code=status.HTTP_201_CREATED)
def create_item(data: ItemIn) -> Item:
    # The new item's index in the list: the first item gets id 0.
    item = Item(id=len(ITEMS), name=data.name)
    ITEMS.append(item)
    return item


@router.get("")
def list_items() -> list[Item]:
    return ITEMS
