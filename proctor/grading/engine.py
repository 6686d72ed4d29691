"""Grade a submission: the one entry point the CLI, the web workers and the validator share.

    result = grade(challenge, {"app.py": source})

docs/architecture.md shows how a submission flows through here, the sandbox and the grader.
"""

from __future__ import annotations

import importlib.metadata
import logging
import time
import traceback
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from proctor import __version__
from proctor.grading import custom_request
from proctor.grading.grader_fork import GraderForks
from proctor.grading.grader_process import GRADER_LIMITS, GraderIsolation, GraderProcess, resolve_isolation
from proctor.grading.jobs import Job
from proctor.grading.limits import Limits
from proctor.grading.mutants import grade_suite
from proctor.grading.outcome import Outcome
from proctor.grading.packs import Challenge, PackError
from proctor.grading.pool import WarmPool
from proctor.grading.protocol import Finished, ProgressEvent
from proctor.grading.quiz import grade_quiz
from proctor.grading.results import RunResult, RunStatus, TestResult, TestStatus, compute_score
from proctor.grading.sandbox import Sandbox, choose_backend, runtime
from proctor.grading.static_checks import grade_static
from proctor.grading.submission import check_files, with_given
from proctor.grading.suite_pool import SuitePool
from proctor.grading.supervisor import Run
from proctor.grading.timeline import Timeline
from proctor.settings import Settings

log = logging.getLogger(__name__)

NOT_RUN = {
    RunStatus.NOT_GRADABLE: "Not run: the app did not start.",
    RunStatus.TIMEOUT: "Not run: the run's time limit was reached.",
    RunStatus.OOM: "Not run: the app ran out of memory.",
    RunStatus.OUTPUT_LIMIT: "Not run: the app printed too much output.",
    RunStatus.INFRA_ERROR: "Not run: grading failed on our side.",
}
GRADER_OOM = "Not run: the hidden tests ran out of memory."
INFRA_MESSAGE = "Grading failed for a reason that is not your code's fault. It will be retried; nothing was counted."


def default_backend(settings: Settings, *, local_single_user: bool = False) -> tuple[Sandbox, str | None]:
    return choose_backend(settings.sandbox, local_single_user=local_single_user,
                          allow_process=settings.allow_process_sandbox,
                          docker_socket_root=settings.docker_socket_root)


def forked_grader(forks: GraderForks | None, challenge: Challenge,
                  settings: Settings) -> Callable[[Path, dict[str, str]], GraderProcess] | None:
    """A fork server's grader for the catalog's own packs only: an interviewer's tests get a fresh grader."""
    if forks is None or not challenge.grader_root.resolve().is_relative_to(settings.graders_dir.resolve()):
        return None
    return forks.start


def grader_isolation(settings: Settings) -> GraderIsolation:
    limits = GRADER_LIMITS.merged({"memory_mib": settings.grader_memory_mib, "processes": settings.grader_processes})
    return resolve_isolation(settings.grader_sandbox, uid=settings.sandbox_uid, gid=settings.sandbox_gid,
                             limits=limits, cgroups=settings.grader_cgroups)


def grade(challenge: Challenge, files: dict[str, bytes], *, suite: str = "hidden", backend: Sandbox | None = None,
          limits: Limits | None = None, on_event: Callable[[ProgressEvent], None] | None = None,
          settings: Settings, pool: WarmPool | None = None,
          suite_pool: SuitePool | None = None, grader_forks: GraderForks | None = None) -> RunResult:
    """Grade `files` against the challenge's hidden tests (or its visible `examples`).

    suite="request" sends one custom request instead (custom_request.py), carried in files under REQUEST_FILE:
    the same sandbox, limits and pool, no test of the pack; the app's answer is in `response`.

    Raises SubmissionError for files that break the submission limits, and RuntimeMissing / SandboxUnavailable
    when the machine cannot grade at all. Everything the submitted code does ends in a RunResult.
    With a warm `pool` of the same backend, the run takes a pre-started sandbox and grader when one is ready.
    A quiz is graded in this process (grading/quiz.py): it never takes a sandbox, a pool slot or the runtime.
    """
    if challenge.kind == "quiz":
        return grade_quiz(challenge, files, suite=suite, on_event=on_event)
    if challenge.kind == "static":
        return grade_static(challenge, files, suite=suite, on_event=on_event, settings=settings)
    if backend is None:
        backend, _ = default_backend(settings)
    limits = limits or challenge.limits
    if challenge.kind == "pytest":  # the candidate's own tests, graded by the pack's mutants (grading/mutants.py)
        runtime.check(settings.runtime_dir)
        return grade_suite(challenge, files, suite=suite, backend=backend, limits=limits, settings=settings,
                           on_event=on_event, pool=suite_pool)
    started = time.monotonic()
    timeline = Timeline()
    suite_files: dict[str, str] | None = None
    if suite == "request":
        request, files = custom_request.take_request(files)
        tests, suite_files = custom_request.suite_paths(), custom_request.suite_files(request)
    else:
        tests = challenge.suite(suite)
    check_files(files)
    files = with_given(files, challenge.given_files())
    if not tests:
        raise PackError(f"{challenge.slug} has no {suite} tests")
    if getattr(backend, "needs_runtime", True):
        runtime.check(settings.runtime_dir)

    slot = None

    def result(outcome: Outcome) -> RunResult:
        final = _build_result(challenge, suite, backend, limits, settings, outcome,
                              int((time.monotonic() - started) * 1000))
        final.start = "warm" if slot is not None else getattr(backend, "start_mode", "cold")
        return final

    missing = [name for name in challenge.files if name not in files]
    if missing:
        outcome = Outcome(status=RunStatus.NOT_GRADABLE,
                          message=f"Your submission has no {', '.join(missing)}, which this challenge needs.")
        return result(outcome)

    slot = pool.take(limits) if pool is not None and pool.backend is backend else None
    if slot is not None:
        job = slot.job
        job.write_files(files)
    else:
        job = Job.create(settings.jobs_dir, files)
    timeline.mark("prepared")
    try:
        outcome = Run(backend=backend, job=job, runtime=settings.runtime_dir, tests=tests, limits=limits,
                      module=challenge.app.module, attr=challenge.app.attr, uid=settings.sandbox_uid,
                      gid=settings.sandbox_gid, on_event=on_event, grader_isolation=grader_isolation(settings),
                      sandbox=slot.sandbox if slot else None, grader=slot.grader if slot else None,
                      suite_files=suite_files, start_grader=forked_grader(grader_forks, challenge, settings),
                      timeline=timeline).execute()
    except Exception:  # noqa: BLE001 - the platform's failure: an infra error, retried, never counted
        # As text: a record holding the traceback would keep the failed run's objects (sockets) alive.
        log.error("grading %s failed on the platform side\n%s", challenge.slug, traceback.format_exc())
        outcome = Outcome(status=RunStatus.INFRA_ERROR, message="the engine failed; see the server log")
    finally:
        job.close()
    if outcome.status == RunStatus.INFRA_ERROR:
        log.error("infra error grading %s: %s\n%s", challenge.slug, outcome.message, outcome.grader_log)
    final = result(outcome)
    if on_event:
        on_event(Finished(status=final.status, score=final.score))
    return final


def _build_result(challenge: Challenge, suite: str, backend: Sandbox, limits: Limits, settings: Settings,
                  outcome: Outcome, duration_ms: int) -> RunResult:
    status = outcome.status or RunStatus.INFRA_ERROR
    tests: list[TestResult] = []
    for meta in outcome.collected:
        done = outcome.results.get(meta.name)
        if done is None:
            in_flight = meta.name == outcome.running and status == RunStatus.TIMEOUT
            done = TestResult(
                name=meta.name, description=meta.description,
                status=TestStatus.TIMEOUT if in_flight else TestStatus.ERROR,
                points=0, max_points=meta.max_points,
                message="The run's time limit was reached during this test." if in_flight else
                GRADER_OOM if outcome.grader_oom else NOT_RUN.get(status, "Not run."),
            )
        tests.append(done)
    score, points, max_points = compute_score(tests)
    if status == RunStatus.NOT_GRADABLE:
        score, points = 0.0, 0
    message = INFRA_MESSAGE if status == RunStatus.INFRA_ERROR else outcome.message
    return RunResult(
        challenge=challenge.slug, suite=suite, status=status, score=score, points=points, max_points=max_points,
        tests=tests, output=outcome.output.decode("utf-8", "replace"),
        output_truncated=outcome.output_total > len(outcome.output), sandbox=backend.name,
        duration_ms=duration_ms, message=message, restarts=outcome.restarts, limits=limits,
        versions=platform_versions(settings),
        graders_sha256="" if suite == "request" else challenge.suite_sha256(suite),
        peak_memory_bytes={k: v for k, v in (("app", outcome.app_peak), ("grader", outcome.grader_peak)) if v},
        run_id=outcome.run_id, response=outcome.response, timeline_ms=dict(outcome.timeline),
        cpu_ms={who: round(seconds * 1000) for who, seconds in outcome.cpu_seconds.items()},
    )


def platform_versions(settings: Settings) -> dict[str, str]:
    return {**runtime.versions(settings.runtime_dir), **_grader_versions()}


@lru_cache
def _grader_versions() -> dict[str, str]:
    found = {"proctor": __version__}
    for name in ("pytest", "httpx"):
        found[f"grader-{name}"] = importlib.metadata.version(name)
    return found
