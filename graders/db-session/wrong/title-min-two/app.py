# An off-by-one minimum: a 1-character title is refused.
import sqlite3
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Response
from pydantic import BaseModel, Field

from database import connect, init_db, open_connections

init_db()

app = FastAPI()


def get_db():
    conn = connect()
    try:
        yield conn
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()


DB = Annotated[sqlite3.Connection, Depends(get_db)]


class NoteIn(BaseModel):
    title: str = Field(min_length=2, max_length=100)
    body: str


class Note(NoteIn):
    id: int


def insert(db: sqlite3.Connection, note: NoteIn) -> dict:
    try:
        cursor = db.execute("INSERT INTO notes (title, body) VALUES (?, ?)", (note.title, note.body))
    except sqlite3.IntegrityError:
        raise HTTPException(status_code=409, detail="Duplicate title") from None
    return {"id": cursor.lastrowid, "title": note.title, "body": note.body}


def fetch(db: sqlite3.Connection, note_id: int) -> dict:
    row = db.execute("SELECT id, title, body FROM notes WHERE id = ?", (note_id,)).fetchone()
    if row is None:
        raise HTTPException(status_code=404, detail="Note not found")
    return {"id": row[0], "title": row[1], "body": row[2]}


@app.get("/debug/connections")
def debug_connections():
    return {"open": open_connections()}


@app.post("/notes", status_code=201, response_model=Note)
def create_note(note: NoteIn, db: DB):
    return insert(db, note)


@app.post("/notes/bulk", status_code=201, response_model=list[Note])
def create_notes(notes: list[NoteIn], db: DB):
    return [insert(db, note) for note in notes]


@app.get("/notes", response_model=list[Note])
def list_notes(db: DB):
    rows = db.execute("SELECT id, title, body FROM notes ORDER BY id").fetchall()
    return [{"id": r[0], "title": r[1], "body": r[2]} for r in rows]


@app.get("/notes/{note_id}", response_model=Note)
def read_note(note_id: int, db: DB):
    return fetch(db, note_id)


@app.delete("/notes/{note_id}", status_code=204)
def delete_note(note_id: int, db: DB):
    fetch(db, note_id)
    db.execute("DELETE FROM notes WHERE id = ?", (note_id,))
    return Response(status_code=204)
