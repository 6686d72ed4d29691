from fastapi import FastAPI

from database import connect, init_db, open_connections

init_db()  # creates the notes table; keep this line

app = FastAPI()


# TODO: get_db, a dependency with `yield`: one connection per request,
#       commit when the request succeeds, roll back when it fails, and always close it.


@app.get("/debug/connections")
def debug_connections():
    # Given: keep this route as it is.
    return {"open": open_connections()}


# TODO: POST /notes, GET /notes, GET /notes/{note_id}, DELETE /notes/{note_id} and POST /notes/bulk
