"""The grader SDK: a pytest plugin loaded into the trusted grader process (never into the sandbox).

Challenge authors write ordinary pytest tests against the candidate's app:

    import pytest

    @pytest.mark.points(2)
    @pytest.mark.feedback("GET / should answer with the greeting as JSON")
    def test_root(client):
        assert client.get("/").json() == {"message": "Hello World"}

Fixtures: `client` (an httpx.Client bound to the app), `app_socket` (the socket's path), `ws_connect`
(opens a WebSocket to the app). Markers: `points(n)` (weight, default 1) and `feedback("...")` (shown to
the candidate instead of the raw assertion). docs/grader-sdk.md has the details.

When the engine runs it, the plugin also registers reporter.py's Reporter, which reports each test to the
supervisor (protocol.py's events), enforces the per-test time limit and asks for restarts.
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest

# The SDK's clients: `client_factory` is a fixture because the plugin module holds it; the others are re-exported.
from proctor.grading.app_clients import (  # noqa: F401
    BASE_URL,
    CappedTransport,
    Outcome,
    app_client,
    client_factory,
    concurrently,
    unused_tls,
)


class TestTimeout(BaseException):
    """Raised into a test that overran its time; a BaseException so `except Exception` cannot swallow it."""

    __test__ = False


def read_line(fd: int, socket_fd: int | None = None) -> str:
    """One line from fd, without reading past it, so no later line is swallowed into a buffer (pytest owns
    sys.stdin).

    When fd is a socket, a descriptor sent along with the line (SCM_RIGHTS) takes the place of socket_fd: that
    is how the engine hands over the app's socket, so the grader never needs a path to it."""
    try:
        sock = socket.socket(fileno=fd)
    except OSError:  # a pipe: a byte at a time
        data = bytearray()
        while (byte := os.read(fd, 1)) and byte != b"\n":
            data += byte
        return data.decode("utf-8", "replace")
    data = bytearray()
    try:
        while True:
            peeked = sock.recv(1 << 16, socket.MSG_PEEK)
            if not peeked:
                return data.decode("utf-8", "replace")
            end = peeked.find(b"\n")
            chunk, fds, _, _ = socket.recv_fds(sock, len(peeked) if end < 0 else end + 1, 4)
            if fds and socket_fd is not None:
                os.dup2(fds[0], socket_fd)
            for received in fds:
                os.close(received)
            data += chunk
            if chunk.endswith(b"\n"):
                return data[:-1].decode("utf-8", "replace")
    finally:
        sock.detach()


@contextmanager
def warm_server(path: Path) -> Iterator[None]:
    """A throwaway HTTP server on a Unix socket at path, answering {"warm": true}, for warming up a grader."""
    import http.server
    import socketserver
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"warm": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = socketserver.UnixStreamServer(str(path), Handler)
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()  # quick to shut down
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        path.unlink(missing_ok=True)


_http_warm = False  # this process, or the fork server it came from, has sent a request through the transport


def http_warmed() -> None:
    global _http_warm
    _http_warm = True


def warm_http() -> None:
    """One request through the plugin's transport: the first in a process costs tens of milliseconds of lazy
    imports and set-up in httpx and httpcore. A cold grader waits for the app anyway, so it pays them then; a
    forked or pooled one has paid them before its run (grader.warm_up)."""
    if _http_warm:
        return
    http_warmed()
    path = Path(tempfile.mkdtemp(prefix="warm-")) / "s.sock"
    try:
        with warm_server(path), httpx.Client(transport=CappedTransport(uds=str(path), verify=unused_tls()),
                                             base_url=BASE_URL, timeout=5) as c:
            c.get("/warm")
    except (OSError, httpx.HTTPError):
        pass  # only an optimisation
    finally:
        path.parent.rmdir()


class step:  # noqa: N801 - used like a keyword: `with step("..."):`
    """Name what a part of a test checks: if it fails, the candidate sees this message, not the test's feedback.

        with step("POST /items should answer 201 with the new item"):
            created = client.post("/items", json={"name": "a", "price": 1})
            assert created.status_code == 201
    """

    def __init__(self, message: str) -> None:
        self.message = message

    def __enter__(self) -> step:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> Literal[False]:
        if exc is not None and isinstance(exc, Exception) and not hasattr(exc, "proctor_step"):
            exc.proctor_step = self.message  # type: ignore[attr-defined]
        return False


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("proctor")
    group.addoption("--proctor-socket", help="path of the app's Unix socket")
    group.addoption("--proctor-events-fd", type=int, default=None, help="fd for JSON-line events")
    group.addoption("--proctor-test-timeout", type=float, default=5.0)
    group.addoption("--proctor-message-bytes", type=int, default=4096)
    group.addoption("--proctor-socket-fd", type=int, default=None,
                    help="the descriptor that --proctor-socket names; the engine's handover replaces it")
    group.addoption("--proctor-control-fd", type=int, default=None,
                    help="fd the engine writes to: 'go' before the tests, answers to restart requests")
    group.addoption("--proctor-strict", action="store_true", default=False,
                    help="a candidate's own suite (kind pytest): a skip, an xfail or an exit fails the test")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): how many points the test is worth (default 1)")
    config.addinivalue_line("markers", "feedback(message): shown to the candidate when the test fails")
    if config.getoption("--proctor-socket"):
        from proctor.grading.reporter import Reporter  # it imports this module

        config.pluginmanager.register(Reporter(config), "proctor-reporter")


@pytest.fixture
def app_socket(request: pytest.FixtureRequest) -> str:
    path = request.config.getoption("--proctor-socket")
    if not path:
        pytest.fail("no app socket: run these tests through `proctor grade`", pytrace=False)
    return str(path)


@pytest.fixture
def client(app_socket: str, request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    """An httpx client bound to the candidate's app; a fresh connection per test."""
    with app_client(app_socket, timeout=request.config.getoption("--proctor-test-timeout")) as c:
        yield c


@pytest.fixture
def ws_connect(app_socket: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """`ws_connect("/ws/echo")` opens a WebSocket to the app (websockets' sync client); closed after the test."""
    from websockets.sync.client import unix_connect

    timeout = request.config.getoption("--proctor-test-timeout")
    opened: list[Any] = []

    def connect(path: str, **kwargs: Any) -> Any:
        kwargs.setdefault("open_timeout", timeout)
        kwargs.setdefault("close_timeout", 1)
        ws = unix_connect(app_socket, uri=f"ws://app.test{path}", **kwargs)
        opened.append(ws)
        return ws

    yield connect
    for ws in opened:
        try:
            ws.close()
        except Exception:  # noqa: BLE001 - the app may already be gone
            pass


def test_points(item: pytest.Item) -> int:
    marker = item.get_closest_marker("points")
    return int(marker.args[0]) if marker and marker.args else 1


test_points.__test__ = False  # type: ignore[attr-defined]
