from fastapi import APIRouter

router = APIRouter()

# TODO: POST an item {"name": 1-50 characters} -> 201 {"id", "name"}, ids from 1.
# TODO: GET the list of items.
# TODO: tag these operations "items" in the OpenAPI schema.
