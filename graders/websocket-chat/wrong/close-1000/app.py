# Refuses a bad token by accepting and then closing with the default code, 1000 ("normal closure"),
# so the client cannot tell a refusal from a goodbye.
from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()

USERS = {"alice-token": "alice", "bob-token": "bob", "carol-token": "carol"}
rooms: dict[str, dict[WebSocket, str]] = {}


@app.websocket("/ws/echo")
async def echo(websocket: WebSocket):
    await websocket.accept()
    try:
        while True:
            await websocket.send_text("echo: " + await websocket.receive_text())
    except WebSocketDisconnect:
        pass


async def broadcast(room: str, message: dict, exclude: WebSocket | None = None) -> None:
    for ws in list(rooms.get(room, {})):
        if ws is not exclude:
            try:
                await ws.send_json(message)
            except Exception:
                pass


@app.websocket("/ws/rooms/{room}")
async def chat_room(websocket: WebSocket, room: str, token: str = ""):
    await websocket.accept()
    user = USERS.get(token)
    if user is None:
        await websocket.send_json({"error": "invalid token"})
        await websocket.close()
        return
    rooms.setdefault(room, {})[websocket] = user
    try:
        while True:
            text = await websocket.receive_text()
            await broadcast(room, {"type": "message", "room": room, "user": user, "text": text}, websocket)
    except WebSocketDisconnect:
        del rooms[room][websocket]
        await broadcast(room, {"type": "left", "user": user})
