"""Visible examples: run them with "Run examples". The hidden tests check more."""

import json
import time
import uuid


def test_echo(ws_connect):
    """/ws/echo echoes a message."""
    ws = ws_connect("/ws/echo")
    ws.send("hello")
    assert ws.recv(timeout=3) == "echo: hello"
    ws.close()


def test_message_reaches_the_other_member(ws_connect):
    """bob receives alice's message in their room."""
    room = f"room-{uuid.uuid4().hex[:8]}"
    alice = ws_connect(f"/ws/rooms/{room}?token=alice-token")
    bob = ws_connect(f"/ws/rooms/{room}?token=bob-token")
    time.sleep(0.3)
    alice.send("hi bob")
    assert json.loads(bob.recv(timeout=3)) == {"type": "message", "room": room, "user": "alice", "text": "hi bob"}
    alice.close()
    bob.close()
