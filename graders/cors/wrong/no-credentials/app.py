# Forgets allow_credentials: browsers then drop cookies and refuse credentialed responses.
from fastapi import FastAPI, status
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()

app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://app.example.com", "http://localhost:3000"],
    allow_methods=["GET", "POST"],
    allow_headers=["Content-Type", "Authorization"],
)


@app.get("/data")
def read_data():
    return {"data": [1, 2, 3]}


@app.post("/data", status_code=status.HTTP_201_CREATED)
def create_data():
    return {"ok": True}
