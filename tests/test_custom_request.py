"""Custom requests: the candidate's own request sent to their app in the real bwrap sandbox, limited like a grading."""

from __future__ import annotations

import json

import pytest

from proctor.grading.custom_request import (
    MAX_BODY_BYTES,
    SHOWN_BODY_BYTES,
    CustomRequest,
    RequestError,
    parse_request,
    request_file,
)
from proctor.grading.engine import grade
from proctor.grading.packs import Challenge
from proctor.grading.results import RunResult, RunStatus, TestStatus
from proctor.grading.sandbox import Sandbox
from tests.conftest import SETTINGS, SHORT

ECHO = '''
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

app = FastAPI()


@app.post("/echo/{item}")
async def echo(item: str, request: Request, q: str = ""):
    print("echo was called", flush=True)
    body = (await request.body()).decode()
    return JSONResponse({"item": item, "q": q, "token": request.headers.get("x-token"), "body": body},
                        status_code=201, headers={"X-Seen": "yes"})


@app.get("/loop")
def loop():
    while True:
        pass


@app.get("/flood")
def flood():
    def chunks():
        while True:
            yield b"x" * 65536
    return StreamingResponse(chunks())


@app.get("/control")
def control():
    from fastapi import Response
    return Response(content=b"\\x01" * 70000)


@app.get("/shout")
def shout():
    while True:
        print("y" * 1000)
'''


def send(hello: Challenge, backend: Sandbox, request: CustomRequest, source: str = ECHO) -> RunResult:
    return grade(hello, {"app.py": source.encode(), **request_file(request)}, suite="request", backend=backend,
                 limits=SHORT, settings=SETTINGS)


def test_the_request_reaches_the_app_and_its_answer_comes_back(hello, sandbox):
    """On each isolating backend (bwrap, docker)."""
    request = parse_request("post", "/echo/42?q=a%20b", "X-Token: abc\n\n", '{"n": 1}')
    result = send(hello, sandbox, request)
    assert result.sandbox == sandbox.name
    assert result.status == RunStatus.GRADED and result.suite == "request"
    assert result.response is not None
    assert (result.response.status_code, result.response.reason) == (201, "Created")
    assert ("x-seen", "yes") in result.response.headers
    assert json.loads(result.response.body) == {"item": "42", "q": "a b", "token": "abc", "body": '{"n": 1}'}
    assert "echo was called" in result.output  # the app's log comes back too


def test_no_test_of_the_pack_runs_and_nothing_of_it_is_recorded(hello, bwrap):
    result = send(hello, bwrap, parse_request("GET", "/", "", ""))
    assert [t.name for t in result.tests] == ["test_request"]
    assert result.graders_sha256 == ""
    assert result.response is not None and result.response.status_code == 404  # the app's own answer, not a test's


def test_a_handler_that_loops_is_stopped_at_the_test_limit(hello, bwrap):
    result = send(hello, bwrap, parse_request("GET", "/loop", "", ""))
    assert result.response is None
    assert [t.status for t in result.tests] == [TestStatus.TIMEOUT]
    assert result.tests[0].message.startswith("No answer within 2 s")


def test_an_endless_body_is_cut_at_what_is_shown(hello, bwrap):
    result = send(hello, bwrap, parse_request("GET", "/flood", "", ""))
    assert result.response is not None and result.response.truncated
    assert len(result.response.body) == SHOWN_BODY_BYTES


def test_an_answer_that_escapes_to_a_long_event_line_arrives_whole(hello, bwrap):
    """64 KiB of control bytes is six times longer as a JSON line on the grader's event pipe."""
    result = send(hello, bwrap, parse_request("GET", "/control", "", ""))
    assert result.response is not None and result.response.truncated
    assert result.response.body == "\x01" * SHOWN_BODY_BYTES


def test_an_app_flooding_its_output_is_stopped_as_in_a_grading(hello, bwrap):
    result = send(hello, bwrap, parse_request("GET", "/shout", "", ""))
    assert result.status == RunStatus.OUTPUT_LIMIT
    assert result.response is None


@pytest.mark.parametrize("fields, says", [
    (("TRACE", "/", "", ""), "Method must be one of"),
    (("GET", "items", "", ""), "must start with a single '/'"),
    (("GET", "//evil.example/x", "", ""), "must start with a single '/'"),
    (("GET", "/a b", "", ""), "no spaces"),
    (("GET", "/", "no colon here", ""), "Header line 1 is not `Name: value`"),
    (("GET", "/", "Bad Name: x", ""), "Header line 1 is not `Name: value`"),
    (("GET", "/", "X-A: caf\u00e9", ""), "Header X-A holds characters"),
    (("GET", "/", "Host: other", ""), "Header Host is set by the platform"),
    (("GET", "/", "\n".join(f"X-{i}: v" for i in range(21)), ""), "At most 20 headers"),
    (("GET", "/", "X-A: " + "v" * 1100, ""), "over 1024 characters"),
    (("POST", "/", "", "x" * (MAX_BODY_BYTES + 1)), "the limit is 64 KiB"),
    (("HEAD", "/", "", "x"), "A HEAD request has no body"),
])
def test_fields_are_checked_with_a_message_naming_the_field(fields, says):
    with pytest.raises(RequestError, match=None) as caught:
        parse_request(*fields)
    assert says in str(caught.value)


def test_a_stored_request_is_checked_again():
    from proctor.grading.custom_request import REQUEST_FILE, take_request

    forged = CustomRequest(method="GET", path="/", headers=[("Host", "x")], body="")
    with pytest.raises(RequestError, match="set by the platform"):
        take_request({"app.py": b"", REQUEST_FILE: forged.model_dump_json().encode()})
    with pytest.raises(RequestError, match="no request"):
        take_request({"app.py": b""})


def test_a_request_takes_a_warm_slot_like_a_grading(hello, bwrap):
    from proctor.grading.pool import WarmPool
    from proctor.settings import get_settings

    settings = get_settings()
    pool = WarmPool(bwrap, size=1, jobs_dir=settings.jobs_dir, runtime=settings.runtime_dir,
                    uid=settings.sandbox_uid, gid=settings.sandbox_gid)
    try:
        assert pool.wait_ready(60)
        slot_job = pool._slots[0].job.root
        files = {"app.py": ECHO.encode(), **request_file(parse_request("POST", "/echo/7", "", "hi"))}
        result = grade(hello, files, suite="request", backend=bwrap, pool=pool, settings=SETTINGS)
    finally:
        pool.close()
    assert result.run_id == slot_job.name  # it ran in the pre-started slot
    assert result.response is not None and json.loads(result.response.body)["body"] == "hi"
