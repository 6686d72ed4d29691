from fastapi import APIRouter, HTTPException

USERS = [{"id": 1, "name": "alice"}, {"id": 2, "name": "bob"}]

router = APIRouter(prefix="/users", tags=["users"])


@router.get("")
def list_users() -> list[dict]:
    return USERS


@router.get("/{user_id}")
def read_user(user_id: int) -> dict:
    for user in USERS:
        if user["id"] == user_id:
            return user
    raise HTTPException(status_code=404, detail="User not found")
