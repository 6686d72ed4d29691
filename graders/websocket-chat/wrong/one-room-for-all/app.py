# One list of connections for the whole app: a message goes to every connected user, whatever their room.
from fastapi import FastAPI, WebSocket, WebSocketDisconnect, status

app = FastAPI()

USERS = {"alice-token": "alice", "bob-token": "bob", "carol-token": "carol"}


class ConnectionManager:
    def __init__(self) -> None:
        self.active: list[tuple[WebSocket, str]] = []

    async def broadcast(self, message: dict, exclude: WebSocket | None = None) -> None:
        for ws, _ in list(self.active):
            if ws is not exclude:
                try:
                    await ws.send_json(message)
                except Exception:
                    pass


manager = ConnectionManager()


@app.websocket("/ws/echo")
async def echo(websocket: WebSocket):
    await websocket.accept()
    try:
        while True:
            await websocket.send_text("echo: " + await websocket.receive_text())
    except WebSocketDisconnect:
        pass


@app.websocket("/ws/rooms/{room}")
async def chat_room(websocket: WebSocket, room: str, token: str = ""):
    user = USERS.get(token)
    if user is None:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION)
        return
    await websocket.accept()
    manager.active.append((websocket, user))
    try:
        while True:
            text = await websocket.receive_text()
            await manager.broadcast({"type": "message", "room": room, "user": user, "text": text}, websocket)
    except WebSocketDisconnect:
        manager.active.remove((websocket, user))
        await manager.broadcast({"type": "left", "user": user})
