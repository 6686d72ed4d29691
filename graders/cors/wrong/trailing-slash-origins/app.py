# Origins copied from the browser's address bar, with a trailing slash: an Origin header never
# has one, so no origin ever matches.
from fastapi import FastAPI, status
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()

app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://app.example.com/", "http://localhost:3000/"],
    allow_credentials=True,
    allow_methods=["GET", "POST"],
    allow_headers=["Content-Type", "Authorization"],
)


@app.get("/data")
def read_data():
    return {"data": [1, 2, 3]}


@app.post("/data", status_code=status.HTTP_201_CREATED)
def create_data():
    return {"ok": True}
