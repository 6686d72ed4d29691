# Allows only Content-Type, so a preflight asking to send Authorization is refused.
from fastapi import FastAPI, status
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()

app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://app.example.com", "http://localhost:3000"],
    allow_credentials=True,
    allow_methods=["GET", "POST"],
    allow_headers=["Content-Type"],
)


@app.get("/data")
def read_data():
    return {"data": [1, 2, 3]}


@app.post("/data", status_code=status.HTTP_201_CREATED)
def create_data():
    return {"ok": True}
