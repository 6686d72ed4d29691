# The guide's snippet with credentials turned on: allow_origins=["*"] plus credentials makes the
# middleware echo back ANY origin, so every site can make credentialed requests.
from fastapi import FastAPI, status
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()

app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
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
