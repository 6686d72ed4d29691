from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()

# TODO: allow the origins https://app.example.com and http://localhost:3000 (and no others), with credentials,
#       the methods GET and POST, and the headers Content-Type and Authorization.


@app.get("/data")
def read_data():
    return {"data": [1, 2, 3]}


@app.post("/data")
def create_data():
    # TODO: answer 201
    return {"ok": True}
