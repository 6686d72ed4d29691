"""The grader SDK: a pytest plugin loaded into the trusted grader process (never into the sandbox).

Challenge authors write ordinary pytest tests against the candidate's app:

    import pytest

    @pytest.mark.points(2)
    @pytest.mark.feedback("GET / should answer with the greeting as JSON")
    def test_root(client):
        assert client.get("/").json() == {"message": "Hello World"}

Fixtures: `client` (an httpx.Client bound to the app), `client_factory` (more such clients, app_clients.py),
`app_socket` (the socket's path), `ws_connect` (opens a WebSocket to the app). Helpers: `step`, and
`concurrently` for timing tests. Markers: `points(n)` (weight, default 1) and `feedback("...")` (shown to the
candidate instead of the raw assertion). docs/grader-sdk.md has the details.

The plugin also reports each test to the engine as a JSON line on a pipe, enforces the per-test time
limit, and asks the engine to restart an app that stopped answering.
"""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import socket
import tempfile
import time
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
from proctor.grading.feedback import CONNECTION_TROUBLE, REQUEST_TROUBLE, SETUP_TROUBLE, clean_failure, short_exception


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


def warm_http() -> None:
    """One request through the plugin's transport: the first in a process costs tens of milliseconds of lazy
    imports and set-up in httpx and httpcore. A cold grader waits for the app anyway, so it pays them then."""
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


def _feedback(item: pytest.Item) -> str:
    marker = item.get_closest_marker("feedback")
    return str(marker.args[0]) if marker and marker.args else ""


def _describe(item: pytest.Item) -> str:
    doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


STOPPED_RUN = "This test stopped the test run (pytest.exit, or an exit pytest does not catch)."


def _trick(item: pytest.Item, call: pytest.CallInfo[None]) -> str:
    """Why a candidate's own test did not really run and pass (--proctor-strict), or ""."""
    exc = call.excinfo
    if exc is not None and exc.errisinstance(pytest.skip.Exception):
        return "This test was skipped. Every test must run and pass against the correct app."
    if exc is not None and exc.errisinstance(pytest.xfail.Exception):
        return "This test called pytest.xfail(). Every test must run and pass against the correct app."
    if call.when == "call" and item.get_closest_marker("xfail"):
        return "This test is marked xfail. Every test must run and pass against the correct app."
    if exc is not None and exc.errisinstance(SystemExit):
        return "This test called exit(). Every test must run and pass against the correct app."
    return ""


class Reporter:
    """Per-test outcomes to the engine, with the time limit and app restarts."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.fd = config.getoption("--proctor-events-fd")
        self.timeout = config.getoption("--proctor-test-timeout")
        self.message_bytes = config.getoption("--proctor-message-bytes")
        self.socket = config.getoption("--proctor-socket")
        self.control = config.getoption("--proctor-control-fd")
        self.socket_fd = config.getoption("--proctor-socket-fd")
        self.strict = config.getoption("--proctor-strict")
        unused_tls()  # build it now, while the sandbox starts, not during the first test
        self.outcomes: dict[str, dict[str, Any]] = {}

    def emit(self, **event: Any) -> None:
        if self.fd is not None:
            data = memoryview((json.dumps(event) + "\n").encode())
            try:
                while data:  # a long line (a custom request's answer) may be written in parts
                    data = data[os.write(self.fd, data):]
            except BrokenPipeError:
                os._exit(0)  # the engine is gone, and with it any use for this run

    def ask_engine(self, **event: Any) -> str:
        self.emit(**event)
        return read_line(self.control, self.socket_fd).strip() if self.control is not None else ""

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        tests = [{"name": item.name, "max_points": test_points(item), "description": _describe(item)}
                 for item in session.items]
        self.emit(event="collected", tests=tests)
        if self.control is not None:
            if not select.select([self.control], [], [], 0)[0]:
                warm_http()  # the app is not ready yet: spend the wait on what the first test would pay
            answer = read_line(self.control, self.socket_fd).strip()
            if answer != "go":
                pytest.exit("the engine stopped the run before the tests", returncode=0)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Iterator[None]:
        self.outcomes[item.nodeid] = {"status": "passed", "message": "", "detail": "", "start": time.monotonic()}
        self.emit(event="start", name=item.name)

        def on_alarm(signum: int, frame: object) -> None:
            raise TestTimeout(f"the test took longer than {self.timeout:g} s")

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, self.timeout)
        try:
            ran = yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        outcome = self.outcomes.pop(item.nodeid)
        stopped = getattr(ran, "exception", None)
        if stopped is not None and outcome["status"] == "passed":  # pytest.exit() or ^C: the test did not pass
            outcome.update(status="error", message=STOPPED_RUN, detail=f"{STOPPED_RUN} ({type(stopped).__name__})")
        max_points = test_points(item)
        status = outcome["status"]
        if status != "passed" and not outcome["message"]:
            outcome["message"] = outcome["detail"]
        self.emit(
            event="test", name=item.name, status=status, max_points=max_points,
            points=max_points if status == "passed" else 0,
            message=outcome["message"][: self.message_bytes], detail=outcome["detail"][: self.message_bytes],
            description=_describe(item), duration_ms=int((time.monotonic() - outcome["start"]) * 1000),
            maxrss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        )
        if status in ("timeout", "error") and not self._app_answers():
            self.ask_engine(event="restart", reason=status)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
        yield
        trick = _trick(item, call) if self.strict else ""
        if trick and self.outcomes[item.nodeid]["status"] == "passed":
            self.outcomes[item.nodeid].update(status="failed", message=trick, detail=trick)
            return
        if call.excinfo is None or call.excinfo.errisinstance(pytest.skip.Exception):
            return
        outcome = self.outcomes[item.nodeid]
        if outcome["status"] != "passed":
            return  # the first problem is the one to report
        exc = call.excinfo
        feedback = getattr(exc.value, "proctor_step", "") or _feedback(item)
        # What the candidate reads is authored: the pack's feedback or one of the plugin's own sentences, never
        # a library's internals. `detail` keeps the raw exception for interviewers.
        if exc.errisinstance((TestTimeout, httpx.TimeoutException)):
            outcome["status"] = "timeout"
            detail = message = f"No answer within {self.timeout:g} s: the app took too long or hung."
        elif exc.errisinstance((AssertionError, pytest.fail.Exception)) and call.when == "call":
            outcome["status"] = "failed"
            detail = clean_failure(exc.exconly())
            message = feedback or detail
        elif exc.errisinstance(httpx.LocalProtocolError):
            # httpx refused to send a request: the test built it badly, often from the app's own answer (an
            # empty token in `Authorization: Bearer `). Not the app's crash, so no restart; not a raw h11 error.
            outcome["status"] = "error"
            detail = exc.exconly()
            message = REQUEST_TROUBLE.format(reason=str(exc.value).strip() or "an invalid request")
            message = f"{message}\n\n{feedback}" if feedback else message
        elif exc.errisinstance((httpx.TransportError, ConnectionError, EOFError)):
            outcome["status"] = "error"
            detail = f"{CONNECTION_TROUBLE} ({exc.exconly()})"
            message = CONNECTION_TROUBLE
        elif call.when != "call" or not exc.errisinstance(Exception):
            outcome["status"] = "error"
            detail = exc.exconly()
            message = feedback or SETUP_TROUBLE
        else:
            outcome["status"] = "failed"
            detail = exc.exconly()
            message = feedback or short_exception(exc.value)
        outcome["detail"] = detail
        outcome["message"] = message

    def _app_answers(self) -> bool:
        """Whether the app still answers HTTP at all (any status), within a second."""
        try:
            transport = httpx.HTTPTransport(uds=self.socket, verify=unused_tls())
            with httpx.Client(transport=transport, base_url=BASE_URL, timeout=1.0) as c:
                c.get("/__proctor_probe__")
            return True
        except httpx.HTTPError:
            return False

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.emit(event="done")
