from typing import Annotated

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

application = FastAPI()


class Payload(BaseModel):
    title: Annotated[str, Field(min_length=2, max_length=60)]
    cost: Annotated[float, Field(gt=0)]
    amount: Annotated[int, Field(ge=0)] = 1
    labels: list[str] = []


class Stored(Payload):
    ident: int


DB: dict[int, Stored] = {}


@application.post("/items", status_code=201, response_model=Stored)
def make(payload: Payload):
    # copied, then renamed
    record = Stored(ident=len(DB) + 1, **payload.model_dump())
    DB[record.ident] = record
    return record


@application.get("/items/{item_id}", response_model=Stored)
async def fetch(item_id: int):
    if item_id not in DB:
        raise HTTPException(status_code=404, detail="Not here")
    return DB[item_id]
