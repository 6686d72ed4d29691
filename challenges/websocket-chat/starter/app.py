from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()

USERS = {"alice-token": "alice", "bob-token": "bob", "carol-token": "carol"}


@app.websocket("/ws/echo")
async def echo(websocket: WebSocket):
    await websocket.accept()
    # TODO: answer each text message with "echo: <text>" until the client disconnects
    await websocket.close()


@app.websocket("/ws/rooms/{room}")
async def chat_room(websocket: WebSocket, room: str, token: str | None = None):
    # TODO: refuse an unknown or missing token (close with code 1008)
    # TODO: relay each text message as JSON to the *other* members of the same room
    # TODO: when a member disconnects, tell the others {"type": "left", "user": <name>}
    await websocket.accept()
    await websocket.close()
