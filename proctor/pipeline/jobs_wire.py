"""What travels through Redis between the web node and `proctor worker` processes, validated on both ends.

    job = GradeJob(submission_id=7, attempt=1, token="…", challenge="hello-route", suite="hidden",
                   graders_sha256=pack_sha256(challenge), files={"app.py": "…"}, limits=challenge.limits.model_dump())
    job.model_dump(mode="json")          # the message's one argument
    GradeJob.model_validate(payload)     # on the worker; a malformed message is refused, never graded

The lease token is the key of exactly-once recording: the web node records a result only while the submission is
running under that token (store/submissions.py `finish`).
"""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from proctor.grading.packs import Challenge, read_tree

NAMESPACE = "proctor-dramatiq"  # Dramatiq's own keys
JOBS_QUEUE = "grading"
RESULTS_QUEUE = "grading-results"
GRADE_ACTOR = "grade_submission"
RECORD_ACTOR = "record_result"
PROGRESS_CHANNEL = "proctor:progress"
# Authoring checks (check_pack) take the same road: their own queue, answers on the results queue.
VALIDATE_QUEUE = "validation"
VALIDATE_ACTOR = "validate_pack"
RECORD_VALIDATION_ACTOR = "record_validation"
VALIDATION_PROGRESS_CHANNEL = "proctor:validation-progress"
WORKERS_KEY = "proctor:workers"  # hash: worker id -> WorkerSeen JSON
RUNNING_KEY = "proctor:running"  # hash: submission id -> RunningJob JSON
WORKER_SEEN_SECONDS = 60.0  # `queue status` lists the workers seen this recently
MAX_PACK_FILES = 200


def job_key(submission_id: int) -> str:
    """Holds the token of the job Redis carries for this submission; gone when Redis lost it (or it was recorded)."""
    return f"proctor:job:{submission_id}"


def validation_key(validation_id: int) -> str:
    return f"proctor:validation:{validation_id}"


def deliveries_key(job_id: int, token: str) -> str:
    """Counts the deliveries of one claim (a token is unique, so gradings and checks never share a counter)."""
    return f"proctor:deliveries:{job_id}:{token}"


def refusers_key(submission_id: int, token: str) -> str:
    return f"proctor:refusers:{submission_id}:{token}"


def pack_sha256(challenge: Challenge) -> str:
    """A digest of every file of the pack, public and hidden: two installs grade alike only when it matches."""
    digest = hashlib.sha256()
    for side, root in (("challenge", challenge.root), ("graders", challenge.grader_root)):
        for rel, data in sorted(read_tree(root).items()):
            digest.update(f"{side}/{rel}".encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


class GradeJob(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    submission_id: int = Field(ge=1)
    attempt: int = Field(ge=1)
    token: str = Field(min_length=16, max_length=64)
    challenge: str = Field(max_length=100)
    suite: Literal["hidden", "examples", "request"]
    graders_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    files: dict[str, str] = Field(max_length=64)
    limits: dict[str, float | int]
    enqueued_at: float  # when the web node sent it (the queue's overhead is a worker's start minus this)
    refusals: int = Field(0, ge=0)  # how many times workers refused it for a pack hash of their own
    # An interviewer's authored pack travels with its job (workers install only the public packs): its files,
    # keyed challenges/<slug>/… and graders/<slug>/…, hashed like an installed pack.
    pack: dict[str, str] | None = Field(None, max_length=MAX_PACK_FILES)

    @model_validator(mode="after")
    def _pack_stays_in_its_folders(self) -> "GradeJob":
        check_pack_paths(self.challenge, self.pack or {})
        return self


def check_pack_paths(slug: str, files: dict[str, str]) -> None:
    """A pack's files stay under challenges/<slug>/ and graders/<slug>/ (a worker writes them to disk)."""
    for rel in files:
        parts = PurePosixPath(rel).parts
        if (len(parts) < 3 or parts[0] not in ("challenges", "graders") or parts[1] != slug
                or rel.startswith("/") or any(p in ("..", ".", "") for p in parts) or "//" in rel):
            raise ValueError(f"pack file {rel!r} is outside challenges/{slug}/ and graders/{slug}/")


class ValidateJob(BaseModel):
    """An authored pack to check (grading/validate.py check_pack) on a worker."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    validation_id: int = Field(ge=1)
    token: str = Field(min_length=16, max_length=64)
    slug: str = Field(max_length=100)
    files: dict[str, str] = Field(max_length=MAX_PACK_FILES)
    optional: list[str] = Field(default_factory=list, max_length=50)
    enqueued_at: float

    @model_validator(mode="after")
    def _files_stay_in_their_folders(self) -> "ValidateJob":
        check_pack_paths(self.slug, self.files)
        return self


class ValidationAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    validation_id: int = Field(ge=1)
    token: str = Field(min_length=16, max_length=64)
    problems: list[str] = Field(max_length=500)
    worker: str = Field(max_length=200)


class ValidationProgressNote(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    validation_id: int = Field(ge=1)
    token: str = Field(min_length=16, max_length=64)
    progress: dict[str, Any]


ResultKind = Literal["graded", "not_gradable", "infra_error", "poison", "no_pack"]


class JobResult(BaseModel):
    """One worker's answer to one delivery of a job."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    submission_id: int = Field(ge=1)
    token: str = Field(min_length=16, max_length=64)
    kind: ResultKind
    result: dict[str, Any] = Field(default_factory=dict)  # a RunResult's JSON for "graded"
    message: str = Field("", max_length=2000)
    worker: str = Field(max_length=200)
    enqueued_at: float  # when the web node sent the job; with started_at, the queue's overhead
    started_at: float
    finished_at: float


class ProgressNote(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    submission_id: int = Field(ge=1)
    token: str = Field(min_length=16, max_length=64)
    progress: dict[str, Any]


class WorkerSeen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    worker: str
    host: str
    concurrency: int
    backend: str
    seen_at: float


class RunningJob(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    submission_id: int
    worker: str
    started_at: float
