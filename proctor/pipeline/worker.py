"""Grading workers: threads in the server process that take submissions from the queue and grade them.

Each worker claims a submission with a lease; a keeper thread renews the leases this process holds, so a
crash (no more renewals) hands them to whoever claims next. Every write after the claim is guarded by the
lease token, which makes recording a result idempotent. An infra_error is never a score: the submission goes
back to the queue with a growing delay.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from proctor.grading.packs import Catalog, UnknownChallenge
from proctor.grading.results import RunResult, RunStatus, not_run
from proctor.grading.sandbox import Sandbox
from proctor.grading.submission import SubmissionError
from proctor.pipeline.admission import Admission
from proctor.pipeline.progress import Flusher
from proctor.pipeline.validation import ValidationRunner
from proctor.store import Store, submissions
from proctor.store.submissions import Submission

log = logging.getLogger(__name__)

GradeFn = Callable[..., RunResult]  # engine.grade with the process's pools bound
MAX_BACKOFF_SECONDS = 600.0


def backoff_seconds(attempts: int) -> float:
    return min(MAX_BACKOFF_SECONDS, 5.0 * 2.0 ** max(0, attempts - 1))


class Workers:
    def __init__(self, *, store: Store, catalog: Catalog, backend: Sandbox, count: int, lease_seconds: float,
                 grade: GradeFn, on_finished: Callable[[Submission, RunResult, float], None] | None = None,
                 validations: ValidationRunner | None = None, admission: Admission | None = None) -> None:
        """`count` threads; with `admission`, a thread grades only while the CPU and memory budget allow, so
        there may be more threads than cores (pipeline/admission.py)."""
        self.admission = admission
        self.store = store
        self.catalog = catalog
        self.backend = backend
        self.count = count
        self.lease_seconds = lease_seconds
        self.grade = grade
        self.on_finished = on_finished
        self.validations = validations  # a second kind of job, taken when no submission waits
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._held: dict[int, str] = {}
        self._held_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.progress = Flusher()

    def start(self) -> None:
        for i in range(self.count):
            t = threading.Thread(target=self._work, name=f"proctor-worker-{i}", daemon=True)
            t.start()
            self._threads.append(t)
        keeper = threading.Thread(target=self._keep_leases, name="proctor-lease-keeper", daemon=True)
        keeper.start()
        self._threads.append(keeper)
        log.info("started %d grading workers (%s sandbox)", self.count, self.backend.name)

    def alive(self) -> bool:
        return bool(self._threads) and all(t.is_alive() for t in self._threads)

    def notify(self) -> None:
        """A submission was queued: wake an idle worker now rather than at its next poll."""
        self._wake.set()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop claiming, then hand back what is still being graded so the next start grades it again."""
        self._stop.set()
        self._wake.set()
        self.progress.stop()
        with self._held_lock:
            held = dict(self._held)
            self._held.clear()
        for submission_id, token in held.items():
            submissions.release(self.store, submission_id=submission_id, token=token)
        if self.validations:
            self.validations.release_all()
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))

    def _work(self) -> None:
        while not self._stop.is_set():
            if self.admission is not None and not self.admission.try_acquire():
                self._wake.wait(0.2)  # the CPU or memory budget is spent: look again in a moment
                continue
            try:
                self._claim_and_grade()
            finally:
                if self.admission is not None:
                    self.admission.release()

    def _claim_and_grade(self) -> None:
        try:
            claimed = submissions.claim(self.store, lease_seconds=self.lease_seconds)
        except Exception:
            log.exception("claiming a submission failed")
            claimed = None
        if claimed is None and self._validate_next():
            return
        if claimed is None:
            self._wake.wait(0.5)
            self._wake.clear()
            return
        token = claimed.lease_token or ""
        with self._held_lock:
            self._held[claimed.id] = token
        try:
            self._grade(claimed, token)
        except Exception:
            log.exception("grading submission %d failed on the platform side", claimed.id)
            submissions.retry_later(self.store, submission_id=claimed.id, token=token,
                                    delay_seconds=backoff_seconds(claimed.attempts))
        finally:
            with self._held_lock:
                self._held.pop(claimed.id, None)

    def _validate_next(self) -> bool:
        if self.validations is None:
            return False
        try:
            return self.validations.run_next(lease_seconds=self.lease_seconds)
        except Exception:
            log.exception("claiming a validation failed")
            return False

    def _grade(self, submission: Submission, token: str) -> None:
        log.info("grading submission %d (%s, %s, attempt %d)", submission.id, submission.challenge,
                 submission.suite, submission.attempts)
        try:
            challenge = self.catalog.get(submission.challenge)
        except UnknownChallenge:
            self._finish_without_run(submission, token, "This challenge no longer exists, so it cannot be graded.")
            return
        def send(data: dict[str, object]) -> None:
            try:
                submissions.record_progress(self.store, submission_id=submission.id, token=token, progress=data)
            except Exception:  # progress is a courtesy; the grading goes on without it
                log.exception("progress of submission %d not recorded", submission.id)

        progress = self.progress.track(send)
        files = {name: text.encode("utf-8") for name, text in submission.files.items()}
        started = time.monotonic()
        try:
            result = self.grade(challenge, files, suite=submission.suite, backend=self.backend,
                                on_event=progress.apply)
        except SubmissionError as exc:
            self._finish_without_run(submission, token, str(exc))
            return
        finally:
            self.progress.done(progress)
        elapsed = time.monotonic() - started
        if result.status == RunStatus.INFRA_ERROR:
            delay = backoff_seconds(submission.attempts)
            log.warning("infra error on submission %d; retrying in %.0f s", submission.id, delay)
            submissions.retry_later(self.store, submission_id=submission.id, token=token, delay_seconds=delay)
            return
        recorded = submissions.finish(
            self.store, submission_id=submission.id, token=token, result=result.model_dump(mode="json", by_alias=True),
            result_status=result.status.value, score=result.score if submission.suite == "hidden" else None)
        if not recorded:
            log.warning("submission %d: lease lost before the result was recorded; discarded", submission.id)
            return
        log.info("submission %d graded: %s, score %s", submission.id, result.status.value, result.score)
        if self.on_finished:
            self.on_finished(submission, result, elapsed)

    def _finish_without_run(self, submission: Submission, token: str, message: str) -> None:
        result = not_run(submission.challenge, submission.suite, message)
        submissions.finish(self.store, submission_id=submission.id, token=token,
                           result=result.model_dump(mode="json", by_alias=True),
                           result_status=result.status.value, score=0.0 if submission.suite == "hidden" else None)

    def _keep_leases(self) -> None:
        interval = max(0.2, self.lease_seconds / 3)
        while not self._stop.wait(interval):
            with self._held_lock:
                held = dict(self._held)
            for submission_id, token in held.items():
                try:
                    submissions.renew(self.store, submission_id=submission_id, token=token,
                                      lease_seconds=self.lease_seconds)
                except Exception:
                    log.exception("renewing the lease of submission %d failed", submission_id)
            if self.validations:
                try:
                    self.validations.renew(lease_seconds=self.lease_seconds)
                except Exception:
                    log.exception("renewing the leases of validations failed")
