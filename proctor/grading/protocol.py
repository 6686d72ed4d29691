"""Every message between the platform's processes, as a model, validated where it arrives.

- harness status (sandbox -> supervisor), JSON lines on the status pipe: `HarnessStatus`. The harness itself
  (harness/harness.py) writes these lines with the standard library only; see docs/architecture.md for why.
  The app inherits that pipe, so a line is untrusted: one that is not a valid message is ignored, never a crash.
- grader control (supervisor -> grader process): one `GraderSpec` line, then the words in `Control`.
- grader events (grader process -> supervisor), JSON lines on the events pipe: `GraderEvent`. A line that is
  not a valid event is the grader's failure (an infra error), never a crash and never a point.
- progress (supervisor -> web, in process): `ProgressEvent`, which the web turns into its live panel.

Only stdlib, pydantic and results.py (itself stdlib and pydantic): the grader process imports this before it runs
any test, and a candidate's suite imports it inside the sandbox (suite_sandbox.py copies it in).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from proctor.grading.results import CustomResponse, RunStatus, TestResult

NAME_CHARS = 2000  # a test id, parameters included; the line itself is bounded by the supervisor


class ProtocolError(ValueError):
    """A message that is not one of the protocol's; the text says which channel and why."""


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_line(self) -> bytes:
        return self.model_dump_json().encode() + b"\n"


# -- harness status ------------------------------------------------------------------------------------


class Warm(Message):
    """The harness is up (imports done); the run's clock starts here."""

    state: Literal["warm"] = "warm"


class Ready(Message):
    """The app is served; the supervisor checks the socket before believing it."""

    state: Literal["ready"] = "ready"


class HarnessFailed(Message):
    """Why the app could not start: reason is "memory", "infra", or what the candidate got wrong."""

    state: Literal["error"] = "error"
    reason: str = Field(max_length=100)
    detail: str = ""


HarnessStatus = Annotated[Warm | Ready | HarnessFailed, Field(discriminator="state")]
_HARNESS_STATUS: TypeAdapter[HarnessStatus] = TypeAdapter(HarnessStatus)


def read_status(line: str | bytes) -> HarnessStatus | None:
    """A status line, or None for anything else (the app can write to this pipe too)."""
    try:
        return _HARNESS_STATUS.validate_json(line)
    except ValidationError:
        return None


# -- grader control --------------------------------------------------------------------------------------


class GraderSpec(Message):
    """The first line the grader reads: its tests as text, and how to report."""

    files: dict[str, str]
    tests: list[str]
    events_fd: int
    test_timeout: float
    message_bytes: int
    strict: bool = False  # a candidate's own suite (kind pytest)


class Control(StrEnum):
    """What the supervisor tells a running grader, one word a line."""

    GO = "go"  # the app is ready; its socket comes along as a descriptor
    RESTARTED = "restarted"  # the app asked about was replaced; its new socket comes along
    GONE = "gone"  # no more restarts: carry on against a dead app
    STOP = "stop"  # end before the tests (a suite that collected nothing)


# -- grader events ---------------------------------------------------------------------------------------


class TestMeta(Message):
    __test__ = False  # not a pytest class, whatever its name says

    name: str = Field(max_length=NAME_CHARS)
    max_points: int = Field(1, ge=0)
    description: str = ""


class Collected(Message):
    event: Literal["collected"] = "collected"
    tests: list[TestMeta]


class Started(Message):
    event: Literal["start"] = "start"
    name: str = Field(max_length=NAME_CHARS)


class TestReport(TestResult):
    """One test's result, with the grader's own peak memory (an isolated grader's is invisible to wait4)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: Literal["test"] = "test"
    maxrss: int | None = None

    def result(self) -> TestResult:
        return TestResult.model_validate(self.model_dump(exclude={"event", "maxrss"}))

    def to_line(self) -> bytes:
        return self.model_dump_json().encode() + b"\n"


class Response(CustomResponse):
    """A custom request's answer (custom_request.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: Literal["response"] = "response"

    def answer(self) -> CustomResponse:
        return CustomResponse.model_validate(self.model_dump(exclude={"event"}))

    def to_line(self) -> bytes:
        return self.model_dump_json().encode() + b"\n"


class RestartAsked(Message):
    """The app stopped answering after a test: replace it, then answer "restarted" or "gone"."""

    event: Literal["restart"] = "restart"
    reason: str = Field("", max_length=100)


class Done(Message):
    event: Literal["done"] = "done"


class OutOfMemory(Message):
    """A MemoryError under the grader's rlimits (grader.py)."""

    event: Literal["oom"] = "oom"


class Idle(Message):
    """A pooled grader finished its warm-up and waits for a spec (pool.py reads it, not the supervisor)."""

    event: Literal["idle"] = "idle"


GraderEvent = Annotated[Collected | Started | TestReport | Response | RestartAsked | Done | OutOfMemory | Idle,
                        Field(discriminator="event")]
_GRADER_EVENT: TypeAdapter[GraderEvent] = TypeAdapter(GraderEvent)


def read_event(line: str | bytes) -> GraderEvent:
    """One events line; ProtocolError names the problem (without echoing a long line back)."""
    try:
        return _GRADER_EVENT.validate_json(line)
    except ValidationError as exc:
        problem = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in problem["loc"]) or "the line"
        raise ProtocolError(f"{where}: {problem['msg']}") from None


# -- progress --------------------------------------------------------------------------------------------


class SandboxStarted(Message):
    type: Literal["sandbox_started"] = "sandbox_started"
    sandbox: str
    restart: int = 0


class AppReady(Message):
    type: Literal["ready"] = "ready"


class TestsCollected(Message):
    __test__ = False  # not a pytest class, whatever its name says

    type: Literal["collected"] = "collected"
    tests: list[TestMeta]


class TestStarted(Message):
    __test__ = False  # not a pytest class, whatever its name says

    type: Literal["test_started"] = "test_started"
    name: str


class TestFinished(Message):
    __test__ = False  # not a pytest class, whatever its name says

    type: Literal["test"] = "test"
    result: TestResult


class Finished(Message):
    type: Literal["finished"] = "finished"
    status: RunStatus
    score: float


ProgressEvent = Annotated[SandboxStarted | AppReady | TestsCollected | TestStarted | TestFinished | Finished,
                          Field(discriminator="type")]
