"""Hidden tests for websocket-chat. Every test uses its own room; clients close their sockets explicitly."""

import json
import time
import uuid

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

TOKENS = {"alice": "alice-token", "bob": "bob-token", "carol": "carol-token"}
# After the handshakes, before the first message: the server may register a member a step after accept() (or
# after awaiting a "joined" notice of its own); 0.15 s is many event-loop steps even on a loaded machine.
JOIN_SETTLE = 0.15
# How long a socket must stay silent to count as "received nothing". It is only asked once a message sent after
# the unwanted one has arrived elsewhere: a copy the server wrongly sent went out first and is already on its way.
QUIET = 0.2
LEFT_WAIT = 1.0  # at most this long for the "left" notice that tells a member has been removed


def new_room() -> str:
    return f"room-{uuid.uuid4().hex[:10]}"


def join(ws_connect, room: str, *users: str) -> list:
    sockets = [ws_connect(f"/ws/rooms/{room}?token={TOKENS[user]}") for user in users]
    time.sleep(JOIN_SETTLE)
    return sockets


def next_event(ws, timeout: float = 3.0, types: tuple[str, ...] = ("message", "left"), skip_from: str = "") -> dict:
    """The next JSON event of one of `types`; other events an app may add (such as "joined") are skipped, and so
    are messages from `skip_from` (when a test checks something else than the sender's own copy)."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        data = json.loads(ws.recv(timeout=remaining))
        if isinstance(data, dict) and data.get("type") in types and not (skip_from and data.get("user") == skip_from):
            return data


def stays_quiet(ws, seconds: float = QUIET) -> bool:
    """True when no message or left event arrives within `seconds`."""
    try:
        next_event(ws, timeout=seconds)
    except TimeoutError:
        return True
    return False


def message(room: str, user: str, text: str) -> dict:
    return {"type": "message", "room": room, "user": user, "text": text}


def assert_refused(ws_connect, path: str) -> None:
    try:
        ws = ws_connect(path)
    except InvalidStatus as exc:
        status = exc.response.status_code
        assert 400 <= status < 500, f"the handshake was answered with HTTP {status}"
        return
    try:
        for _ in range(5):  # an app may explain itself before it closes
            ws.recv(timeout=2)
    except TimeoutError:
        raise AssertionError("the socket was accepted and left open") from None
    except ConnectionClosed as exc:
        code = exc.rcvd.code if exc.rcvd else None
        assert code == 1008, f"the socket was closed with code {code}"
        return
    raise AssertionError("the socket was accepted and kept sending")


@pytest.mark.points(2)
@pytest.mark.feedback('/ws/echo should answer a text message with "echo: " followed by the text.')
def test_echo(ws_connect):
    """/ws/echo echoes a message."""
    ws = ws_connect("/ws/echo")
    ws.send("hello")
    assert ws.recv(timeout=3) == "echo: hello"
    ws.close()


@pytest.mark.points(1)
@pytest.mark.feedback("/ws/echo should keep answering, one echo per message, in order, until the client leaves.")
def test_echo_keeps_going(ws_connect):
    """/ws/echo answers many messages in order."""
    ws = ws_connect("/ws/echo")
    texts = ["one", "two words", "ünïcødé ✓", "", "last"]
    for text in texts:
        ws.send(text)
    assert [ws.recv(timeout=3) for _ in texts] == [f"echo: {t}" for t in texts]
    ws.close()


@pytest.mark.points(1)
@pytest.mark.feedback("A room connection without ?token= must be refused: reject the handshake, or close with 1008.")
def test_missing_token_refused(ws_connect):
    """A room connection without a token is refused."""
    assert_refused(ws_connect, f"/ws/rooms/{new_room()}")


@pytest.mark.points(2)
@pytest.mark.feedback("A room connection with an unknown token must be refused: reject the handshake (close before "
                      "accepting), or accept and close with code 1008 (policy violation), not any other code.")
def test_unknown_token_refused(ws_connect):
    """A room connection with an unknown token is refused."""
    assert_refused(ws_connect, f"/ws/rooms/{new_room()}?token=mallory-token")
    assert_refused(ws_connect, f"/ws/rooms/{new_room()}?token=")


@pytest.mark.points(3)
@pytest.mark.feedback('A message should reach every other member of the room as {"type": "message", "room": ..., '
                      '"user": <sender\'s name>, "text": ...}.')
def test_message_reaches_other_members(ws_connect):
    """A message reaches every other member of the room, with the sender's name."""
    room = new_room()
    alice, bob, carol = join(ws_connect, room, "alice", "bob", "carol")
    alice.send("hi from alice")
    assert next_event(bob) == message(room, "alice", "hi from alice")
    assert next_event(carol) == message(room, "alice", "hi from alice")
    carol.send("carol here")
    assert next_event(alice, skip_from="alice") == message(room, "carol", "carol here")
    assert next_event(bob) == message(room, "carol", "carol here")
    for ws in (alice, bob, carol):
        ws.close()


@pytest.mark.points(2)
@pytest.mark.feedback("The sender received its own message back. A message goes to the other members only.")
def test_sender_gets_no_copy(ws_connect):
    """The sender does not receive its own message."""
    room = new_room()
    alice, bob = join(ws_connect, room, "alice", "bob")
    alice.send("ping")
    assert next_event(bob) == message(room, "alice", "ping"), "bob never got alice's message"
    bob.send("pong")
    # Had alice been sent her own "ping", it would come before bob's "pong".
    assert next_event(alice) == message(room, "bob", "pong")
    alice.close()
    bob.close()


@pytest.mark.points(2)
@pytest.mark.feedback("A member of another room received the message. Messages stay inside their room.")
def test_other_rooms_get_nothing(ws_connect):
    """Members of other rooms receive nothing."""
    room, elsewhere = new_room(), new_room()
    (carol,) = join(ws_connect, elsewhere, "carol")
    alice, bob = join(ws_connect, room, "alice", "bob")
    alice.send("only for this room")
    assert next_event(bob) == message(room, "alice", "only for this room"), "bob never got alice's message"
    bob.send("and this")
    assert next_event(alice, skip_from="alice") == message(room, "bob", "and this"), "alice never got bob's message"
    assert stays_quiet(carol)
    carol.close()
    alice.close()
    bob.close()


@pytest.mark.points(2)
@pytest.mark.feedback('When a member disconnects, the others in the room should receive {"type": "left", '
                      '"user": <name>}.')
def test_left_notice(ws_connect):
    """The remaining members are told who left."""
    room = new_room()
    alice, bob = join(ws_connect, room, "alice", "bob")
    bob.close()
    assert next_event(alice) == {"type": "left", "user": "bob"}
    alice.close()


@pytest.mark.points(1)
@pytest.mark.feedback("After a member disconnected, the others could no longer chat. A member who leaves must be "
                      "removed from the room.")
def test_room_works_after_member_leaves(ws_connect):
    """The room keeps working after a member leaves."""
    room = new_room()
    alice, bob, carol = join(ws_connect, room, "alice", "bob", "carol")
    carol.close()
    try:  # the "left" notice says carol is gone; an app that sends none is given LEFT_WAIT to remove her
        next_event(alice, timeout=LEFT_WAIT, types=("left",))
        next_event(bob, timeout=LEFT_WAIT, types=("left",))
    except TimeoutError:
        pass
    alice.send("still here?")
    assert next_event(bob, types=("message",)) == message(room, "alice", "still here?")
    bob.send("yes")
    assert next_event(alice, types=("message",), skip_from="alice") == message(room, "bob", "yes")
    alice.close()
    bob.close()
