"""Challenge packs: challenges/<slug>/ (what candidates see) and graders/<slug>/ (what they never see).

docs/challenge-format.md documents the format.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from proctor.grading.limits import DEFAULT_LIMITS, Limits
from proctor.grading.wrong_cases import WrongCase, WrongCaseError, load_wrong_cases

if TYPE_CHECKING:  # settings.py imports grading (the sandbox runtime's home): only its type here
    from proctor.settings import Settings

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")

Kind = Literal["http", "pytest", "static", "quiz"]
Difficulty = Literal["easy", "medium", "hard"]


class PackError(ValueError):
    """A challenge pack that cannot be loaded."""


class UnknownChallenge(LookupError):
    def __init__(self, slug: str, known: list[str]) -> None:
        super().__init__(f"unknown challenge {slug!r}; known: {', '.join(known) or '(none)'}")
        self.slug = slug
        self.known = known


class AppSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    module: str = "app"
    attr: str = "app"


class Challenge(BaseModel):
    """One challenge.toml, plus where its files live."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    slug: str
    title: str
    sections: list[int] = Field(min_length=1)
    difficulty: Difficulty
    kind: Kind = "http"
    files: list[str] = Field(default_factory=lambda: ["app.py"], min_length=1)
    summary: str = ""
    minutes: int = 15
    app: AppSpec = AppSpec()
    limits_override: dict[str, float | int] = Field(default_factory=dict, alias="limits")
    root: Path
    grader_root: Path

    @field_validator("slug")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG.match(v):
            raise ValueError("a slug is lower-case letters, digits and dashes")
        return v

    @field_validator("limits_override")
    @classmethod
    def _limits(cls, v: dict[str, float | int]) -> dict[str, float | int]:
        DEFAULT_LIMITS.merged(v)  # raises for an unknown or out-of-range limit
        return v

    @cached_property
    def limits(self) -> Limits:
        return DEFAULT_LIMITS.merged(self.limits_override)

    @property
    def prompt_path(self) -> Path:
        return self.root / "prompt.md"

    def prompt(self) -> str:
        return self.prompt_path.read_text(encoding="utf-8")

    def starter_files(self) -> dict[str, bytes]:
        return read_tree(self.root / "starter")

    def given_files(self) -> dict[str, bytes]:
        """Support files the engine adds to every run; a submission cannot replace them."""
        return read_tree(self.root / "given")

    def reference_files(self) -> dict[str, bytes]:
        return read_tree(self.grader_root / "reference")

    def wrong_cases(self) -> dict[str, WrongCase]:
        """Each wrong case by name: a full copy (wrong/<case>/) or the reference patched (wrong/<case>.patch)."""
        try:
            return load_wrong_cases(self.grader_root / "wrong", self.reference_files(), read_tree)
        except WrongCaseError as exc:
            raise PackError(f"{self.grader_root}: {exc}") from None

    def example_tests(self) -> list[Path]:
        return sorted((self.root / "examples").glob("test_*.py"))

    def hidden_tests(self) -> list[Path]:
        return sorted(self.grader_root.glob("test_*.py"))

    def suite(self, name: str) -> list[Path]:
        if name == "examples":
            return self.example_tests()
        if name == "hidden":
            return self.hidden_tests()
        raise ValueError(f"unknown suite {name!r}")

    def suite_sha256(self, name: str) -> str:
        """A digest of the test files (and any conftest.py) that decide a verdict."""
        paths = self.suite(name)
        conftest = (paths[0].parent / "conftest.py") if paths else None
        if conftest and conftest.is_file():
            paths = [*paths, conftest]
        digest = hashlib.sha256()
        for path in sorted(paths):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        return digest.hexdigest()


def read_tree(root: Path) -> dict[str, bytes]:
    """Every regular file under root (trusted pack content), keyed by its relative POSIX path."""
    if not root.is_dir():
        return {}
    files: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if "__pycache__" in rel.parts or not path.is_file():
            continue
        files[rel.as_posix()] = path.read_bytes()
    return files


def load_challenge(challenges_dir: Path, graders_dir: Path, slug: str) -> Challenge:
    root = challenges_dir / slug
    toml_path = root / "challenge.toml"
    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PackError(f"{toml_path}: {exc}") from exc
    try:
        challenge = Challenge.model_validate({**data, "root": root, "grader_root": graders_dir / slug})
    except ValueError as exc:
        raise PackError(f"{toml_path}: {exc}") from exc
    if challenge.slug != slug:
        raise PackError(f"{toml_path}: slug {challenge.slug!r} does not match its folder {slug!r}")
    return challenge


class Catalog:
    """All packs under one challenges/ and graders/ pair, loaded once."""

    def __init__(self, challenges_dir: Path, graders_dir: Path) -> None:
        self.challenges_dir = challenges_dir
        self.graders_dir = graders_dir
        self._by_slug: dict[str, Challenge] | None = None

    def _load(self) -> dict[str, Challenge]:
        if self._by_slug is None:
            found = {}
            if self.challenges_dir.is_dir():
                for toml_path in sorted(self.challenges_dir.glob("*/challenge.toml")):
                    slug = toml_path.parent.name
                    found[slug] = load_challenge(self.challenges_dir, self.graders_dir, slug)
            self._by_slug = found
        return self._by_slug

    def all(self) -> list[Challenge]:
        return sorted(self._load().values(), key=lambda c: (min(c.sections), c.slug))

    def slugs(self) -> list[str]:
        return sorted(self._load())

    def get(self, slug: str) -> Challenge:
        try:
            return self._load()[slug]
        except KeyError:
            raise UnknownChallenge(slug, self.slugs()) from None


def default_catalog(settings: Settings) -> Catalog:
    """The public packs where `settings` say they are."""
    return Catalog(settings.challenges_dir, settings.graders_dir)
