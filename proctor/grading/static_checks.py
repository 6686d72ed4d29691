"""The `static` kind: a submitted file checked as data in the engine's own process, then built where an
engine exists.

    result = grade_static(challenge, {"Dockerfile": b"FROM python:3.11-slim\\n..."})

graders/<slug>/checks.toml names the checker and gives each check its points, title and failure message
(docs/challenge-format.md). The only checker today is "dockerfile" (grading/dockerfile_checks.py): seven
checks read the Dockerfile with dockerfile-parse, and two more, `build` and `run`, build the image and ask
the container for GET /health (grading/docker_build.py) when a Docker engine is configured. Without one,
build and run are listed as not run, worth 0 of 0 points: the score then covers the static checks alone,
and the result's message says so.
"""

from __future__ import annotations

import hashlib
import io
import logging
import time
import tomllib
import traceback
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from proctor import __version__
from proctor.grading import docker_build
from proctor.grading.dockerfile_checks import CHECKS, Unparsable, check_dockerfile, parse
from proctor.grading.packs import Challenge, PackError
from proctor.grading.protocol import Finished, ProgressEvent
from proctor.grading.results import RunResult, RunStatus, TestResult, TestStatus, compute_score
from proctor.grading.submission import check_files, with_given
from proctor.settings import Settings

CHECKS_FILE = "checks.toml"
DOCKERFILE = "Dockerfile"
DOCKERIGNORE = ".dockerignore"
ENGINE_CHECKS = ("build", "run")
PASSED = "Passed."
log = logging.getLogger(__name__)


class Check(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)  # shown as the check's description
    points: int = Field(1, ge=1, le=100)
    message: str = Field(min_length=1)  # shown when it fails, before what the check saw


class Checks(BaseModel):
    """graders/<slug>/checks.toml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    checker: str
    checks: dict[str, Check]


def load_checks(challenge: Challenge) -> Checks:
    path = challenge.grader_root / CHECKS_FILE
    try:
        checks: Checks = Checks.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError, ValueError) as exc:
        raise PackError(f"{path}: {exc}") from exc
    return checks


def static_problems(challenge: Challenge) -> list[str]:
    """Everything that makes a static pack unsound, as sentences (check_pack then grades its cases)."""
    try:
        checks = load_checks(challenge)
    except PackError as exc:
        return [str(exc)]
    problems = []
    if checks.checker != "dockerfile":
        problems.append(f'{CHECKS_FILE}: unknown checker {checks.checker!r} (known: "dockerfile")')
    expected = {*CHECKS, *ENGINE_CHECKS}
    if set(checks.checks) != expected:
        problems.append(f"{CHECKS_FILE} must define exactly the checks {', '.join(sorted(expected))}")
    if challenge.files != [DOCKERFILE]:
        problems.append(f'a Dockerfile challenge\'s files are ["{DOCKERFILE}"]')
    return problems


def checks_sha256(challenge: Challenge) -> str:
    digest = hashlib.sha256()
    path = challenge.grader_root / CHECKS_FILE
    digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _test(name: str, check: Check, passed: bool, note: str, *, counted: bool = True,
          status: TestStatus | None = None) -> TestResult:
    message = PASSED if passed else f"{check.message} ({note})" if note else check.message
    return TestResult(name=name, description=check.title,
                      status=status or (TestStatus.PASSED if passed else TestStatus.FAILED),
                      points=check.points if passed else 0, max_points=check.points if counted else 0,
                      message=message)


def _engine_test(name: str, check: Check, step: docker_build.Step) -> TestResult:
    if step.passed:
        return _test(name, check, True, "").model_copy(update={"message": step.note or PASSED})
    if step.ran:
        return _test(name, check, False, step.note)
    return _test(name, check, False, "", status=TestStatus.ERROR).model_copy(update={"message": step.note})


def grade_static(challenge: Challenge, files: dict[str, bytes], *, suite: str = "hidden",
                 on_event: Callable[[ProgressEvent], None] | None = None,
                 settings: Settings) -> RunResult:
    """Check the Dockerfile; build and run it when the engine is there (never for the `examples` suite)."""
    started = time.monotonic()
    check_files(files)
    checks = load_checks(challenge)
    files = with_given(files, challenge.given_files())
    status, message, output, sandbox, run_id = RunStatus.GRADED, "", "", "none", ""
    tests: list[TestResult] = []
    try:
        if DOCKERFILE not in files:
            raise Unparsable(f"Your submission has no {DOCKERFILE}, which this challenge needs.")
        stages = parse(files[DOCKERFILE])
        found = check_dockerfile(files[DOCKERFILE], files.get(DOCKERIGNORE))
    except Unparsable as exc:
        status, message, found, stages = RunStatus.NOT_GRADABLE, str(exc), {}, []
    for name in CHECKS:
        check = checks.checks[name]
        if status == RunStatus.NOT_GRADABLE:
            tests.append(_test(name, check, False, "", status=TestStatus.ERROR).model_copy(
                update={"message": "Not checked: the Dockerfile could not be read."}))
        else:
            tests.append(_test(name, check, found[name].passed, found[name].note))

    client, reason = (None, "only the static checks run for examples.") if suite != "hidden" \
        else docker_build.client_or_reason(settings)
    if client is None and settings.dockerfile_build == "on" and suite == "hidden":
        status, message = RunStatus.INFRA_ERROR, f"Dockerfile builds are required but {reason}"
    if status == RunStatus.GRADED and client is not None:
        structure = _structure(files[DOCKERFILE].decode("utf-8"))
        try:
            outcome = docker_build.build_and_run(stages, structure, files, client=client, settings=settings)
        except Exception:  # noqa: BLE001 - the engine failed us, not the Dockerfile: retried, never counted
            from proctor.grading.engine import INFRA_MESSAGE  # engine imports this module
            log.error("building %s failed on the platform side\n%s", challenge.slug, traceback.format_exc())
            outcome = docker_build.BuildOutcome(build=docker_build.Step(note="Not run: grading failed on our side."),
                                                run=docker_build.Step(note="Not run: grading failed on our side."))
            status, message = RunStatus.INFRA_ERROR, INFRA_MESSAGE
        sandbox, output, run_id = "docker", outcome.log, outcome.run_id
        for name, step in (("build", outcome.build), ("run", outcome.run)):
            tests.append(_engine_test(name, checks.checks[name], step))
    else:
        why = reason if status == RunStatus.GRADED else "the Dockerfile was not checked."
        for name in ENGINE_CHECKS:
            tests.append(_test(name, checks.checks[name], False, "", counted=False, status=TestStatus.ERROR)
                         .model_copy(update={"message": f"Not run: {why}"}))
        if status == RunStatus.GRADED:
            message = f"Build and run were not run: {reason} The score covers the static checks only."
    score, points, max_points = compute_score(tests)
    if status != RunStatus.GRADED:
        score, points = 0.0, 0
    result = RunResult(
        challenge=challenge.slug, suite=suite, status=status, score=score, points=points, max_points=max_points,
        tests=tests, output=output, sandbox=sandbox, duration_ms=int((time.monotonic() - started) * 1000),
        message=message, limits=challenge.limits, versions={"proctor": __version__},
        graders_sha256=checks_sha256(challenge), run_id=run_id)
    if on_event:
        on_event(Finished(status=result.status, score=result.score))
    return result


def _structure(text: str) -> list[dict[str, Any]]:
    from dockerfile_parse import DockerfileParser

    structure: list[dict[str, Any]] = DockerfileParser(fileobj=io.BytesIO(text.encode("utf-8"))).structure
    return structure
