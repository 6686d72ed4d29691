# Uses api_route for every method, so POST / succeeds instead of answering 405.
from fastapi import FastAPI

app = FastAPI()


@app.api_route("/", methods=["GET", "POST"])
def read_root():
    return {"message": "Hello World"}


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/greet/{name}")
def greet(name: str):
    return {"message": "Hello, " + name + "!"}
