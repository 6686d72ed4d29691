from fastapi import FastAPI

app = FastAPI()

# The catalog the routes serve. Keep it as it is.
CATALOG = [f"item-{i}" for i in range(1, 51)]


@app.get("/users/{user_id}")
def read_user(user_id):
    # TODO: declare the type and the bound of user_id (an integer >= 1)
    return {"user_id": user_id}


# TODO: GET /items with the query parameters skip and limit
# TODO: GET /search with the required query parameter q
