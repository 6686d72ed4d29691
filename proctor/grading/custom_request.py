"""A custom request: one HTTP request the candidate typed, sent to their app in place of the tests.

    files = {"app.py": source, **request_file(parse_request("POST", "/items", "X-Id: 1", '{"a": 1}'))}
    result = grade(challenge, files, suite="request")   # result.response holds the app's answer

The request stays data from end to end: it is checked here, travels to the grader process as `request.json`
beside a fixed test module (REQUEST_TEST, platform code), and is sent there with the same client, sandbox and
limits as a grading. No test of the pack runs, and nothing of the pack's graders is read.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ValidationError

from proctor.grading.submission import SubmissionError

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
MAX_PATH = 2048
MAX_HEADERS = 20
MAX_HEADER_LINE = 1024
MAX_BODY_BYTES = 64 * 1024
SHOWN_BODY_BYTES = 64 * 1024
SHOWN_HEADERS = 50
# The connection's framing and its address are the client's: a request may not set them.
RESERVED_HEADERS = ("host", "content-length", "transfer-encoding", "connection")
# Its key in a stored submission's files: no file name can look like this (submission.check_name).
REQUEST_FILE = "<request>"
TEST_NAME = "test_request.py"

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an HTTP header name (RFC 9110 token)
_PATH = re.compile(r"^/(?!/)[\x21-\x7e]*$")  # printable ASCII without spaces; `//host` is not a path


class CustomRequest(BaseModel):
    method: str
    path: str
    headers: list[tuple[str, str]] = []
    body: str = ""


class RequestError(SubmissionError):
    """A field of the request is refused; the message names it, for the person who typed it."""


def parse_request(method: str, path: str, headers: str, body: str) -> CustomRequest:
    """The typed fields as a request, or RequestError naming the first field that is wrong."""
    method = method.strip().upper()
    if method not in METHODS:
        raise RequestError(f"Method must be one of {', '.join(METHODS)}.")
    path = path.strip()
    if len(path) > MAX_PATH:
        raise RequestError(f"The path is {len(path)} characters; the limit is {MAX_PATH}.")
    if not _PATH.match(path):
        raise RequestError("The path must start with a single '/' and hold no spaces or non-ASCII characters "
                           "(percent-encode them), e.g. /items/1?q=a%20b.")
    pairs: list[tuple[str, str]] = []
    for number, line in enumerate(headers.splitlines(), 1):
        if not line.strip():
            continue
        if len(pairs) == MAX_HEADERS:
            raise RequestError(f"At most {MAX_HEADERS} headers.")
        if len(line) > MAX_HEADER_LINE:
            raise RequestError(f"Header line {number} is over {MAX_HEADER_LINE} characters.")
        name, colon, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if not colon or not _TOKEN.match(name):
            raise RequestError(f"Header line {number} is not `Name: value`.")
        if not (value.isascii() and value.isprintable()):
            raise RequestError(f"Header {name} holds characters a header cannot carry.")
        if name.lower() in RESERVED_HEADERS:
            raise RequestError(f"Header {name} is set by the platform, not by the request.")
        pairs.append((name, value))
    try:
        size = len(body.encode("utf-8"))
    except UnicodeEncodeError:
        raise RequestError("The body is not valid text.") from None
    if size > MAX_BODY_BYTES:
        raise RequestError(f"The body is {size} bytes; the limit is {MAX_BODY_BYTES // 1024} KiB.")
    if method == "HEAD" and body:
        raise RequestError("A HEAD request has no body.")
    return CustomRequest(method=method, path=path, headers=pairs, body=body)


def request_file(request: CustomRequest) -> dict[str, bytes]:
    """The request as the entry a run's files carry under REQUEST_FILE."""
    return {REQUEST_FILE: request.model_dump_json().encode()}


def take_request(files: dict[str, bytes]) -> tuple[CustomRequest, dict[str, bytes]]:
    """The request carried in files (checked again: a stored row is data too), and the files without it."""
    rest = {name: data for name, data in files.items() if name != REQUEST_FILE}
    try:
        stored = CustomRequest.model_validate_json(files[REQUEST_FILE])
    except (KeyError, ValidationError):
        raise RequestError("This run has no request to send.") from None
    headers = "\n".join(f"{name}: {value}" for name, value in stored.headers)
    return parse_request(stored.method, stored.path, headers, stored.body), rest


def suite_files(request: CustomRequest) -> dict[str, str]:
    """What the grader process receives for a request run: the fixed test module and the request as JSON."""
    return {TEST_NAME: REQUEST_TEST, "request.json": request.model_dump_json()}


def suite_paths() -> list[Path]:
    """The suite's test files by name; their text comes from suite_files, not from disk."""
    return [Path(TEST_NAME)]


# Runs in the trusted grader process. It reads the request as JSON and never evaluates any of it. The body is
# read raw (no decompression, Accept-Encoding: identity unless asked) and only up to what is shown.
REQUEST_TEST = f'''"""The candidate's custom request, sent to their app; the answer goes to the engine as a "response"
event."""

import json
from pathlib import Path

from proctor.grading.protocol import Response

SHOWN = {SHOWN_BODY_BYTES}


def test_request(client, request):
    """Your request, sent to your app."""
    spec = json.loads((Path(__file__).parent / "request.json").read_text())
    headers = [tuple(pair) for pair in spec["headers"]]
    if not any(name.lower() == "accept-encoding" for name, _ in headers):
        headers.append(("Accept-Encoding", "identity"))
    body = bytearray()
    with client.stream(spec["method"], spec["path"], headers=headers, content=spec["body"].encode()) as response:
        for chunk in response.iter_raw():
            body += chunk
            if len(body) > SHOWN:
                break
        reporter = request.config.pluginmanager.get_plugin("proctor-reporter")
        reporter.emit(Response(status_code=response.status_code, reason=response.reason_phrase,
                               headers=[(k, v[:1024]) for k, v in response.headers.multi_items()[:{SHOWN_HEADERS}]],
                               body=bytes(body[:SHOWN]).decode("utf-8", "replace"), truncated=len(body) > SHOWN))
'''

