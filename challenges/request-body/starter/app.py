from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    # TODO: add the rules from the prompt, and the fields quantity and tags
    name: str
    price: float


@app.post("/items")
def create_item(item: Item):
    # TODO: answer 201, store the item and give it an id
    return item


# TODO: GET /items/{item_id}
