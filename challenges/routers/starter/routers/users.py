from fastapi import APIRouter

USERS = [{"id": 1, "name": "alice"}, {"id": 2, "name": "bob"}]

router = APIRouter()

# TODO: GET the list of users, and GET one user by id (404 {"detail": "User not found"} when unknown).
# TODO: tag these operations "users" in the OpenAPI schema.
