from fastapi import FastAPI

API_KEYS = {"key-ann": "ann", "key-ben": "ben"}

app = FastAPI(title="Notes")


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


# TODO: every response carries X-Request-ID (echo a valid one from the request, otherwise a new UUID4).
# TODO: an X-API-Key dependency: missing -> 401 "Missing API key", unknown -> 403 "Invalid API key".
# TODO: POST /notes, GET /notes (skip, limit, tag), GET / PATCH / DELETE /notes/{id}; see the prompt.
# You may split the app into more files (routers, schemas, ...); app.py must still define `app`.
