# A regex meant to allow the two front ends, which also lets in look-alike origins
# (https://app.example.com.evil.io, any localhost port).
from fastapi import FastAPI, status
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()

app.add_middleware(
    CORSMiddleware,
    allow_origin_regex=r"https://app\.example\.com.*|http://localhost(:\d+)?",
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
