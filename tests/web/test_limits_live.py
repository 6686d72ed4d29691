"""The body limit and the forwarded client address on a real `proctor serve` (uvicorn), over raw sockets."""

from __future__ import annotations

import select
import signal
import socket
from pathlib import Path

import httpx
import pytest
from conftest import PASSWORD
from pagetree import parse
from servers import Server, free_port

from proctor.store import Store, users
from proctor.store.passwords import hash_password

MiB = 1024 * 1024


def response_to(port: int, head: bytes, chunks: int = 0) -> tuple[bytes, int]:
    """Send `head`, then up to `chunks` chunks of 64 KiB (chunked encoding) until the server answers:
    (the start of the answer, the body bytes sent)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(head)
        chunk = b"10000\r\n" + (b"&f=" + b"a" * 65533) + b"\r\n"
        for _ in range(chunks):
            if select.select([s], [], [], 0)[0]:
                break  # the answer is there: stop sending, as a client reading it would
            try:
                s.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 65536
        return read_answer(s), sent


def read_answer(s: socket.socket) -> bytes:
    """The whole answer: its head and the body its Content-Length names (it may come in more than one read)."""
    answer = b""
    while len(answer) < 65536:
        head, found, body = answer.partition(b"\r\n\r\n")
        if found:
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")[1:]
                           if line.lower().startswith(b"content-length:")), 0)
            if len(body) >= length:
                break
        try:
            data = s.recv(4096)
        except ConnectionResetError:
            break
        if not data:
            break
        answer += data
    return answer


@pytest.mark.slow
def test_the_body_limit_on_a_real_server(data_dir: Path) -> None:
    server = Server(data_dir, free_port())
    server.env["PROCTOR_WARM_POOL"] = "0"
    server.start()
    try:
        declared = (b"POST /api/v1/submissions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 419430400\r\n\r\n")
        answer, _ = response_to(server.port, declared)
        assert answer.startswith(b"HTTP/1.1 413") and b"larger than the limit" in answer

        streamed = (b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n")
        answer, sent = response_to(server.port, streamed, chunks=50 * 16)  # 50 MiB
        assert answer.startswith(b"HTTP/1.1 413")
        assert sent < 50 * MiB  # refused while the client was still sending
        assert httpx.get(f"http://127.0.0.1:{server.port}/health").status_code == 200
    finally:
        server.stop(signal.SIGTERM)
        server.log.close()


def login(port: int, client_ip: str, password: str) -> httpx.Response:
    """Log in as alice through a "proxy" that says the client is `client_ip`, on https."""
    headers = {"X-Forwarded-For": client_ip, "X-Forwarded-Proto": "https"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as http:
        page = http.get("/login")
        token = parse(page.text).find("input", name="csrf_token").attrs["value"]
        cookie = page.headers["set-cookie"].split(";")[0]  # maybe Secure: httpx would not send it over http
        return http.post("/login", data={"email": "alice@example.com", "password": password,
                                         "csrf_token": token}, headers={"Cookie": cookie})


@pytest.mark.slow
def test_behind_a_trusted_proxy_the_client_address_and_scheme_are_the_forwarded_ones(data_dir: Path) -> None:
    store = Store.open(data_dir / "proctor.db")
    users.create(store, email="alice@example.com", password_hash=hash_password(PASSWORD))
    server = Server(data_dir, free_port())
    server.env.update({"PROCTOR_WARM_POOL": "0", "PROCTOR_FORWARDED_ALLOW_IPS": "127.0.0.1"})
    server.start()
    try:
        for _ in range(5):
            assert login(server.port, "203.0.113.9", "wrong password").status_code == 400
        assert login(server.port, "203.0.113.9", PASSWORD).status_code == 429  # that client's address waits
        response = login(server.port, "192.0.2.7", PASSWORD)  # another client behind the same proxy does not
        assert response.status_code == 303
        assert "Secure" in response.headers["set-cookie"]  # the proxy said https
        failed = store.read().execute("SELECT DISTINCT ip FROM login_attempts WHERE NOT succeeded").fetchall()
        assert [tuple(row) for row in failed] == [("203.0.113.9",)]
    finally:
        server.stop(signal.SIGTERM)
        server.log.close()
        store.close()


@pytest.mark.slow
def test_forwarded_headers_from_an_untrusted_peer_are_ignored(data_dir: Path) -> None:
    store = Store.open(data_dir / "proctor.db")
    users.create(store, email="alice@example.com", password_hash=hash_password(PASSWORD))
    server = Server(data_dir, free_port())
    server.env.update({"PROCTOR_WARM_POOL": "0", "PROCTOR_FORWARDED_ALLOW_IPS": "10.9.9.9"})  # not us
    server.start()
    try:
        for _ in range(5):
            assert login(server.port, "203.0.113.9", "wrong password").status_code == 400
        # A client cannot escape its throttle by claiming another address.
        response = login(server.port, "192.0.2.7", PASSWORD)
        assert response.status_code == 429
        failed = store.read().execute("SELECT DISTINCT ip FROM login_attempts WHERE NOT succeeded").fetchall()
        assert [tuple(row) for row in failed] == [("127.0.0.1",)]
    finally:
        server.stop(signal.SIGTERM)
        server.log.close()
        store.close()
