"""Visible examples: run them with "Run examples". The hidden tests check more, timing included."""

import time
import uuid


def test_signup_is_queued(client):
    """POST /signup answers 202 with the queued status."""
    response = client.post("/signup", json={"email": f"ada-{uuid.uuid4().hex[:8]}@example.com"})
    assert response.status_code == 202
    assert response.json() == {"status": "queued"}


def test_mail_reaches_the_outbox(client):
    """The address appears in GET /outbox within 1 s."""
    email = f"grace-{uuid.uuid4().hex[:8]}@example.com"
    assert client.post("/signup", json={"email": email}).status_code == 202
    deadline = time.monotonic() + 1
    while email not in client.get("/outbox").json()["sent"]:
        assert time.monotonic() < deadline, "not in the outbox after 1 s"
        time.sleep(0.02)
