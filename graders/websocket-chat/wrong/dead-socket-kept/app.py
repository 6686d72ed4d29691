# Never handles WebSocketDisconnect: a member who leaves stays in the room, nobody is told,
# and the next message to the room is sent to a closed socket.
from fastapi import FastAPI, WebSocket, status

app = FastAPI()

USERS = {"alice-token": "alice", "bob-token": "bob", "carol-token": "carol"}
rooms: dict[str, list[WebSocket]] = {}


@app.websocket("/ws/echo")
async def echo(websocket: WebSocket):
    await websocket.accept()
    while True:
        await websocket.send_text("echo: " + await websocket.receive_text())


@app.websocket("/ws/rooms/{room}")
async def chat_room(websocket: WebSocket, room: str, token: str = ""):
    user = USERS.get(token)
    if user is None:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION)
        return
    await websocket.accept()
    rooms.setdefault(room, []).append(websocket)
    while True:
        text = await websocket.receive_text()
        for ws in rooms[room]:
            if ws is not websocket:
                await ws.send_json({"type": "message", "room": room, "user": user, "text": text})
