"""The grader's side of the protocol: a pytest plugin object that reports each test to the supervisor.

Registered by plugin.py when the grader runs with --proctor-socket. It writes `protocol.GraderEvent` lines on the
events pipe, enforces the per-test time limit, waits for "go" before the first test, and asks the supervisor to
restart an app that stopped answering.
"""

from __future__ import annotations

import os
import resource
import select
import signal
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from proctor.grading import protocol
from proctor.grading.app_clients import BASE_URL, unused_tls
from proctor.grading.feedback import CONNECTION_TROUBLE, REQUEST_TROUBLE, SETUP_TROUBLE, clean_failure, short_exception
from proctor.grading.plugin import TestTimeout, read_line, test_points, warm_http


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

    def emit(self, event: protocol.Message | protocol.TestReport) -> None:
        if self.fd is not None:
            data = memoryview(event.to_line())
            try:
                while data:  # a long line (a custom request's answer) may be written in parts
                    data = data[os.write(self.fd, data):]
            except BrokenPipeError:
                os._exit(0)  # the engine is gone, and with it any use for this run

    def ask_engine(self, event: protocol.Message) -> str:
        self.emit(event)
        return read_line(self.control, self.socket_fd).strip() if self.control is not None else ""

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        tests = [protocol.TestMeta(name=item.name, max_points=test_points(item), description=_describe(item))
                 for item in session.items]
        self.emit(protocol.Collected(tests=tests))
        if self.control is not None:
            if not select.select([self.control], [], [], 0)[0]:
                warm_http()  # the app is not ready yet: spend the wait on what the first test would pay
            answer = read_line(self.control, self.socket_fd).strip()
            if answer != protocol.Control.GO:
                pytest.exit("the engine stopped the run before the tests", returncode=0)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Iterator[None]:
        self.outcomes[item.nodeid] = {"status": "passed", "message": "", "detail": "", "start": time.monotonic()}
        self.emit(protocol.Started(name=item.name))

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
        self.emit(protocol.TestReport(
            name=item.name, status=status, max_points=max_points,
            points=max_points if status == "passed" else 0,
            message=outcome["message"][: self.message_bytes], detail=outcome["detail"][: self.message_bytes],
            description=_describe(item), duration_ms=int((time.monotonic() - outcome["start"]) * 1000),
            maxrss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        ))
        if status in ("timeout", "error") and not self._app_answers():
            self.ask_engine(protocol.RestartAsked(reason=status))

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
        self.emit(protocol.Done())
