# Broadcasts to every member of the room, the sender included, so each author gets their own message back.
from fastapi import FastAPI, WebSocket, WebSocketDisconnect, status

app = FastAPI()

USERS = {"alice-token": "alice", "bob-token": "bob", "carol-token": "carol"}
rooms: dict[str, list[tuple[WebSocket, str]]] = {}


@app.websocket("/ws/echo")
async def echo(websocket: WebSocket):
    await websocket.accept()
    try:
        while True:
            await websocket.send_text("echo: " + await websocket.receive_text())
    except WebSocketDisconnect:
        pass


async def broadcast(room: str, message: dict) -> None:
    for ws, _ in list(rooms.get(room, [])):
        try:
            await ws.send_json(message)
        except Exception:
            pass


@app.websocket("/ws/rooms/{room}")
async def chat_room(websocket: WebSocket, room: str, token: str = ""):
    user = USERS.get(token)
    if user is None:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION)
        return
    await websocket.accept()
    rooms.setdefault(room, []).append((websocket, user))
    try:
        while True:
            text = await websocket.receive_text()
            await broadcast(room, {"type": "message", "room": room, "user": user, "text": text})
    except WebSocketDisconnect:
        rooms[room].remove((websocket, user))
        await broadcast(room, {"type": "left", "user": user})
