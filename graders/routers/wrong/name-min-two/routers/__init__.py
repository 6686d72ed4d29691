"""One APIRouter per resource: users.py and items.py."""
