"""The result of a grading run: a versioned schema shared by the CLI, the web and the API.

docs/results.md documents every field.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from proctor.grading.limits import Limits

SCHEMA_VERSION = 1


class RunStatus(StrEnum):
    GRADED = "graded"
    NOT_GRADABLE = "not_gradable"
    TIMEOUT = "timeout"
    OOM = "oom"
    OUTPUT_LIMIT = "output_limit"
    INFRA_ERROR = "infra_error"


class TestStatus(StrEnum):
    __test__ = False  # not a pytest class, whatever its name says

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    TIMEOUT = "timeout"


class TestResult(BaseModel):
    __test__ = False  # not a pytest class, whatever its name says

    name: str
    status: TestStatus
    points: int
    max_points: int
    message: str = ""
    description: str = ""
    detail: str = ""  # the raw assertion, for interviewers; `message` is what the candidate sees
    duration_ms: int = 0


class CustomResponse(BaseModel):
    """The app's answer to a custom request (suite "request"): what the candidate sees of it."""

    status_code: int
    reason: str = ""
    headers: list[tuple[str, str]] = []
    body: str = ""  # the first 64 KiB, decoded as UTF-8 (invalid bytes replaced)
    truncated: bool = False


class RunResult(BaseModel):
    schema_: int = Field(SCHEMA_VERSION, alias="schema")
    challenge: str
    status: RunStatus
    score: float
    points: int
    max_points: int
    tests: list[TestResult]
    output: str = ""
    sandbox: str
    start: str = "cold"  # how the app's sandbox started: "cold", "warm" (a pooled one) or "fork" (a fork server)
    duration_ms: int
    suite: str = "hidden"
    message: str = ""
    output_truncated: bool = False
    restarts: int = 0
    limits: Limits
    versions: dict[str, str] = {}
    graders_sha256: str = ""
    peak_memory_bytes: dict[str, int] = {}
    run_id: str = ""
    response: CustomResponse | None = None  # suite "request" only
    timeline_ms: dict[str, int] = {}  # when each step was first reached (grading/timeline.py)
    cpu_ms: dict[str, int] = {}  # CPU the app's and the grader's processes used, from their cgroups

    model_config = {"populate_by_name": True}

    def to_json(self, **kwargs: object) -> str:
        return self.model_dump_json(by_alias=True, **kwargs)  # type: ignore[arg-type]

    def verdict(self) -> tuple[str, float, tuple[tuple[str, str], ...]]:
        """What must not change when the same code is graded again."""
        return self.status.value, self.score, tuple((t.name, t.status.value) for t in self.tests)


def not_run(challenge: str, suite: str, message: str) -> RunResult:
    """The result of a submission that could not be run at all (its challenge is gone, its files break the
    limits): not gradable, nothing counted, a complete RunResult like any other."""
    return RunResult(challenge=challenge, suite=suite, status=RunStatus.NOT_GRADABLE, score=0.0, points=0,
                     max_points=0, tests=[], sandbox="none", duration_ms=0, message=message, limits=Limits())


def compute_score(tests: list[TestResult]) -> tuple[float, int, int]:
    """(score, points, max_points): score is 100 × points passed / max points."""
    max_points = sum(t.max_points for t in tests)
    points = sum(t.points for t in tests)
    score = round(100.0 * points / max_points, 2) if max_points else 0.0
    return score, points, max_points
