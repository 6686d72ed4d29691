from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def read_root():
    # TODO: return the greeting described in the prompt
    return {}
