"""The JSON API's request and response bodies, one model per use."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ChallengePublic(BaseModel):
    slug: str
    title: str
    sections: list[int]
    difficulty: str
    kind: str
    files: list[str]
    summary: str
    minutes: int


class ChallengeDetail(ChallengePublic):
    prompt_markdown: str
    starter_files: dict[str, str]
    given_files: dict[str, str]
    quiz: dict[str, Any] | None = Field(None, description="a quiz's questions and choices (never which are right); "
                                        "answer with answers.json: question id → choice id or list of ids")


class SubmissionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    challenge: str = Field(examples=["hello-route"])
    suite: Literal["hidden", "examples"] = "hidden"
    files: dict[str, str] = Field(default_factory=dict, description="file name → source text")
    files_base64: dict[str, str] = Field(default_factory=dict,
                                         description="file name → base64 of the raw bytes (must still be UTF-8)")


class SubmissionPublic(BaseModel):
    id: int
    challenge: str
    suite: str
    status: Literal["queued", "running", "done"]
    created_at: float
    finished_at: float | None
    queue_position: int | None = None
    progress: dict[str, Any] | None = None
    result_status: str | None = None
    score: float | None = None
    url: str


class SubmissionWithFiles(SubmissionPublic):
    files: dict[str, str]


class ErrorBody(BaseModel):
    """Every error the API answers (422's detail is FastAPI's list of problems instead of a sentence)."""
    detail: str = Field(examples=["no such submission"])


class TokenPublic(BaseModel):
    """A personal API token, without its secret (shown once, at creation on /account)."""
    id: int
    name: str
    created_at: float
    expires_at: float | None = Field(description="Unix time; null: until revoked")
    last_used_at: float | None = Field(description="Unix time, updated at most once a minute; null: never used")
