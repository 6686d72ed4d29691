"""The grader SDK's clients to the candidate's app, and a way to send requests at one moment.

    def test_two_users(client_factory):
        alice, bob = client_factory(), client_factory()      # own connections, own cookies

    outcomes = concurrently(lambda: a.get("/slow"), lambda: b.get("/slow"))
    assert max(o.seconds for o in outcomes) < 0.5

Every client, the `client` fixture's included, goes through the capped transport, so a hostile app cannot
exhaust the grader's memory with an endless response. The plugin (plugin.py) exposes the fixture and re-exports
`app_client` and `concurrently`; docs/grader-sdk.md documents them.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

import httpx
import pytest

BASE_URL = "http://app.test"
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
T = TypeVar("T")


class ResponseTooLarge(Exception):
    pass


class _CappedStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream) -> None:
        self.inner = inner

    def __iter__(self) -> Iterator[bytes]:
        seen = 0
        for chunk in self.inner:
            seen += len(chunk)
            if seen > MAX_RESPONSE_BYTES:
                raise ResponseTooLarge(f"the app's response is over {MAX_RESPONSE_BYTES // 1024 // 1024} MiB")
            yield chunk

    def close(self) -> None:
        self.inner.close()


@lru_cache(maxsize=1)
@lru_cache(maxsize=1)
def unused_tls() -> ssl.SSLContext:
    # httpx would build a TLS context per transport, loading the CA store each time; the app is plain HTTP on a
    # Unix socket, so one context without certificates serves every client (and a forked grader inherits it).
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class CappedTransport(httpx.HTTPTransport):
    """Keeps a hostile app from exhausting the grader's memory with an endless response."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        response.stream = _CappedStream(response.stream)  # type: ignore[arg-type]
        return response


def app_client(app_socket: str, *, timeout: float = 5.0, **kwargs: Any) -> httpx.Client:
    """A new httpx client to the app on its own connection, with the capped transport: for a session-scoped
    fixture, which cannot use `client_factory`. Close it (`with app_client(...) as c:`)."""
    transport = CappedTransport(uds=app_socket, verify=unused_tls())
    return httpx.Client(transport=transport, base_url=BASE_URL, timeout=timeout, **kwargs)


@pytest.fixture
def client_factory(app_socket: str, request: pytest.FixtureRequest) -> Iterator[Callable[..., httpx.Client]]:
    """`client_factory(**httpx_kwargs)`: another client like `client` (own connection, own cookies), closed
    after the test. `timeout` defaults to the per-test limit."""
    opened: list[httpx.Client] = []

    def make(*, timeout: float | None = None, **kwargs: Any) -> httpx.Client:
        limit = request.config.getoption("--proctor-test-timeout") if timeout is None else timeout
        made = app_client(app_socket, timeout=limit, **kwargs)
        opened.append(made)
        return made

    yield make
    for made in opened:
        made.close()


@dataclass
class Outcome(Generic[T]):
    """One call of `concurrently`: what it returned or raised, and when it ended."""

    value: T | None
    error: BaseException | None
    started: float  # time.monotonic() when all the calls were released
    finished: float  # time.monotonic() when this one returned or raised

    @property
    def seconds(self) -> float:
        return self.finished - self.started

    def result(self) -> T:
        """The value, or the call's exception raised again."""
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]


def concurrently(*calls: Callable[[], T], timeout: float = 10.0,
                 started: threading.Event | None = None) -> list[Outcome[T]]:
    """Call each function in its own thread, all released at the same moment; their outcomes, in order.

    Open the connections first (a request on each client) so that the clock measures the app, not connecting.
    `started` is set when the calls are released, for a test that acts while they run. A call still running
    after `timeout` seconds is reported as a TimeoutError."""
    release = [0.0]
    # The barrier's action runs once every thread has arrived, before any is let go: the common start.
    barrier = threading.Barrier(len(calls) + 1, action=lambda: release.__setitem__(0, time.monotonic()),
                                timeout=timeout)
    outcomes: list[Outcome[T] | None] = [None] * len(calls)

    def run(k: int) -> None:
        barrier.wait()
        try:
            value, error = calls[k](), None
        except Exception as exc:  # noqa: BLE001 - handed to the test through Outcome.result()
            value, error = None, exc
        outcomes[k] = Outcome(value, error, release[0], time.monotonic())

    threads = [threading.Thread(target=run, args=(k,), daemon=True) for k in range(len(calls))]
    for thread in threads:
        thread.start()
    barrier.wait()
    if started is not None:
        started.set()
    deadline = release[0] + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    late = TimeoutError(f"no answer within {timeout:g} s")
    return [o if o is not None else Outcome(None, late, release[0], time.monotonic()) for o in outcomes]
