"""The JSON API's request and response bodies, one model per use."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema, model_validator

from proctor.grading.packs import SLUG
from proctor.grading.submission import MAX_DEPTH, MAX_FILES, NAME_PART


class ChallengePublic(BaseModel):
    slug: str
    title: str
    sections: list[int]
    difficulty: str
    kind: Literal["http", "pytest", "static", "quiz"]
    kind_label: str = Field(description="the kind in words, as the pages show it (e.g. “Write the tests”)")
    files: list[str]
    summary: str
    minutes: int


class ChallengeDetail(ChallengePublic):
    prompt_markdown: str
    starter_files: dict[str, str]
    given_files: dict[str, str]
    quiz: dict[str, Any] | None = Field(None, description="a quiz's questions and choices (never which are right); "
                                        "answer with answers.json: question id → choice id or list of ids")


# What check_files accepts, said in the schema so that clients (and /docs) see it: up to MAX_DEPTH plain parts.
_PART = NAME_PART.pattern.strip("^$")
FileName = Annotated[str, StringConstraints(pattern=f"^{_PART}(/{_PART}){{0,{MAX_DEPTH - 1}}}$")]
Base64 = Annotated[str, WithJsonSchema({"type": "string", "format": "byte"})]
# pydantic says the pattern as patternProperties, which alone would still allow other keys.
ONLY_NAMES: dict[str, Any] = {"additionalProperties": False}


class SubmissionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "anyOf": [{"required": ["files"], "properties": {"files": {"minProperties": 1}}},
                  {"required": ["files_base64"], "properties": {"files_base64": {"minProperties": 1}}}],
        "examples": [{"challenge": "hello-route", "suite": "examples",
                      "files": {"app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"}}]})

    challenge: str = Field(pattern=SLUG.pattern, examples=["hello-route"])
    suite: Literal["hidden", "examples"] = "hidden"
    files: dict[FileName, str] = Field(default_factory=dict, max_length=MAX_FILES, json_schema_extra=ONLY_NAMES,
                                       description="file name → source text")
    files_base64: dict[FileName, Base64] = Field(
        default_factory=dict, max_length=MAX_FILES, json_schema_extra=ONLY_NAMES,
        description="file name → base64 of the raw bytes (must still be UTF-8)")

    @model_validator(mode="after")
    def some_files(self) -> SubmissionCreate:
        if not self.files and not self.files_base64:
            raise ValueError("the submission has no files")
        return self


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
    detail: str = Field(description="what went wrong, in a sentence for a person")


class TokenPublic(BaseModel):
    """A personal API token, without its secret (shown once, at creation on /account)."""
    id: int
    name: str
    created_at: float
    expires_at: float | None = Field(description="Unix time; null: until revoked")
    last_used_at: float | None = Field(description="Unix time, updated at most once a minute; null: never used")
