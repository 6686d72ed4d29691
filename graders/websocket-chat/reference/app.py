from collections import defaultdict

from fastapi import FastAPI, WebSocket, WebSocketDisconnect, status

app = FastAPI()

USERS = {"alice-token": "alice", "bob-token": "bob", "carol-token": "carol"}


@app.websocket("/ws/echo")
async def echo(websocket: WebSocket):
    await websocket.accept()
    try:
        while True:
            text = await websocket.receive_text()
            await websocket.send_text(f"echo: {text}")
    except WebSocketDisconnect:
        pass


class Rooms:
    """Who is connected to which room. One event loop serves every socket, so no lock is needed."""

    def __init__(self) -> None:
        self.members: dict[str, dict[WebSocket, str]] = defaultdict(dict)

    def join(self, room: str, websocket: WebSocket, user: str) -> None:
        self.members[room][websocket] = user

    def leave(self, room: str, websocket: WebSocket) -> None:
        self.members[room].pop(websocket, None)
        if not self.members[room]:
            del self.members[room]

    async def broadcast(self, room: str, message: dict, *, exclude: WebSocket | None = None) -> None:
        for member in list(self.members.get(room, {})):
            if member is exclude:
                continue
            try:
                await member.send_json(message)
            except Exception:  # noqa: BLE001 - a member that is going away; its own handler removes it
                pass


rooms = Rooms()


@app.websocket("/ws/rooms/{room}")
async def chat_room(websocket: WebSocket, room: str, token: str | None = None):
    user = USERS.get(token or "")
    if user is None:
        # Closing before accept() makes the server refuse the handshake (HTTP 403).
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION)
        return
    await websocket.accept()
    rooms.join(room, websocket, user)
    try:
        while True:
            text = await websocket.receive_text()
            await rooms.broadcast(room, {"type": "message", "room": room, "user": user, "text": text},
                                  exclude=websocket)
    except WebSocketDisconnect:
        pass
    finally:
        rooms.leave(room, websocket)
        await rooms.broadcast(room, {"type": "left", "user": user})
