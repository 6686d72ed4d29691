# An off-by-one bound: skip must be at least 1, so an explicit ?skip=0 is refused.
import re
import uuid
from datetime import datetime, timezone
from itertools import count
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field, field_validator

API_KEYS = {"key-ann": "ann", "key-ben": "ben"}

app = FastAPI(title="Notes")

# -- request ids -------------------------------------------------------------------------------------------

VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


@app.middleware("http")
async def add_request_id(request: Request, call_next):
    request_id = request.headers.get("x-request-id", "")
    if not VALID_REQUEST_ID.fullmatch(request_id):
        request_id = str(uuid.uuid4())
    response = await call_next(request)
    response.headers["X-Request-ID"] = request_id
    return response


# -- authentication ----------------------------------------------------------------------------------------

def current_user(x_api_key: Annotated[str | None, Header()] = None) -> str:
    if x_api_key is None:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Missing API key")
    user = API_KEYS.get(x_api_key)
    if user is None:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Invalid API key")
    return user


CurrentUser = Annotated[str, Depends(current_user)]

# -- schemas -----------------------------------------------------------------------------------------------

Title = Annotated[str, Field(min_length=1, max_length=80)]
Body = Annotated[str, Field(max_length=2000)]
Tags = Annotated[list[Annotated[str, Field(min_length=1, max_length=20)]], Field(max_length=5)]


def normalize_tags(tags: list[str] | None) -> list[str] | None:
    """Lower-case, and drop duplicates keeping the first."""
    return None if tags is None else list(dict.fromkeys(tag.lower() for tag in tags))


class NoteCreate(BaseModel):
    title: Title
    body: Body = ""
    tags: Tags = []

    _tags = field_validator("tags")(normalize_tags)


class NoteUpdate(BaseModel):
    # The defaults are never validated, so an explicit null is a 422 while a missing field stays unset.
    title: Title = None  # type: ignore[assignment]
    body: Body = None  # type: ignore[assignment]
    tags: Tags = None  # type: ignore[assignment]

    _tags = field_validator("tags")(normalize_tags)


class Note(BaseModel):
    id: int
    title: str
    body: str
    tags: list[str]
    owner: str
    created_at: datetime


class NotePage(BaseModel):
    total: int
    items: list[Note]


# -- storage -----------------------------------------------------------------------------------------------

NOTES: dict[int, Note] = {}
_next_id = count(1)


def owned_note(note_id: int, user: str) -> Note:
    note = NOTES.get(note_id)
    if note is None or note.owner != user:  # another user's note is as good as missing
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Note not found")
    return note


# -- routes ------------------------------------------------------------------------------------------------

@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


notes = APIRouter(prefix="/notes", tags=["notes"])


@notes.post("", status_code=status.HTTP_201_CREATED)
def create_note(data: NoteCreate, user: CurrentUser) -> Note:
    note = Note(id=next(_next_id), owner=user, created_at=datetime.now(timezone.utc), **data.model_dump())
    NOTES[note.id] = note
    return note


@notes.get("")
def list_notes(user: CurrentUser, skip: Annotated[int, Query(ge=1)] = 0,
               limit: Annotated[int, Query(ge=1, le=50)] = 20, tag: str | None = None) -> NotePage:
    wanted = tag.lower() if tag is not None else None
    matches = [note for note in reversed(NOTES.values())  # ids only grow: newest first
               if note.owner == user and (wanted is None or wanted in note.tags)]
    return NotePage(total=len(matches), items=matches[skip:skip + limit])


@notes.get("/{note_id}")
def read_note(note_id: int, user: CurrentUser) -> Note:
    return owned_note(note_id, user)


@notes.patch("/{note_id}")
def update_note(note_id: int, data: NoteUpdate, user: CurrentUser) -> Note:
    note = owned_note(note_id, user)
    updated = note.model_copy(update=data.model_dump(exclude_unset=True))
    NOTES[note_id] = updated
    return updated


@notes.delete("/{note_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_note(note_id: int, user: CurrentUser) -> Response:
    owned_note(note_id, user)
    del NOTES[note_id]
    return Response(status_code=status.HTTP_204_NO_CONTENT)


app.include_router(notes)
