"""Running validation jobs (store/validations.py) in the grading workers: one pack check at a time per server.

    runner = ValidationRunner(store, settings=settings, backend=backend)
    runner.run_next(lease_seconds=30)   # True when it checked a pack

The workers call `run_next` when no submission is waiting, so submissions go first; the lease keeper renews
what `held` returns. A check is 5-8 gradings on two sandboxes at once: more than one at a time would crowd out
the candidates' submissions, so a server runs one, and the store never runs two of one interviewer's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from proctor.grading.packs import Challenge, PackError
from proctor.grading.sandbox import Sandbox
from proctor.grading.validate import REFERENCE_RUNS, check_pack
from proctor.pipeline.lookup import write_pack
from proctor.settings import Settings
from proctor.store import Store, validations
from proctor.store.validations import Validation

log = logging.getLogger(__name__)

Validator = Callable[[Challenge], list[str]]


def cases_of(challenge: Challenge) -> int:
    """How many gradings check_pack runs on this pack (for the progress bar)."""
    return REFERENCE_RUNS + bool(challenge.example_tests()) + 1 + len(challenge.wrong_cases())


class ValidationRunner:
    def __init__(self, store: Store, *, settings: Settings, backend: Sandbox | None,
                 validator: Validator | None = None, parallel: int = 1) -> None:
        self.store = store
        self.settings = settings
        self.backend = backend
        self.validator = validator  # tests replace the gradings with a function of the pack
        self.parallel = parallel
        self._held: dict[int, str] = {}
        self._lock = threading.Lock()

    def held(self) -> dict[int, str]:
        with self._lock:
            return dict(self._held)

    def run_next(self, *, lease_seconds: float) -> bool:
        """Claim and check one pack; False when none is due (or this server already runs its share)."""
        with self._lock:
            if len(self._held) >= self.parallel:
                return False
            job = validations.claim(self.store, lease_seconds=lease_seconds)
            if job is None:
                return False
            self._held[job.id] = job.lease_token or ""
        try:
            problems = self._check(job)
            if not validations.finish(self.store, validation_id=job.id, token=job.lease_token or "",
                                      problems=problems):
                log.warning("validation %d: lease lost before the verdict was recorded; discarded", job.id)
        except Exception:  # its lease runs out and the job is tried once more
            log.exception("validating %s (job %d) failed on the platform side", job.slug, job.id)
        finally:
            with self._lock:
                self._held.pop(job.id, None)
        return True

    def renew(self, *, lease_seconds: float) -> None:
        for job_id, token in self.held().items():
            validations.renew(self.store, validation_id=job_id, token=token, lease_seconds=lease_seconds)

    def release_all(self) -> None:
        with self._lock:
            held, self._held = self._held, {}
        for job_id, token in held.items():
            validations.release(self.store, validation_id=job_id, token=token)

    def _check(self, job: Validation) -> list[str]:
        log.info("validating %s (job %d, attempt %d)", job.slug, job.id, job.attempts)
        try:
            challenge = write_pack(self.settings.data_dir / "authored", job.slug, job.files)
        except PackError as exc:
            return [str(exc).split(": ", 1)[-1]]
        if self.validator is not None:
            problems = self.validator(challenge)
        elif self.backend is None and challenge.kind != "quiz":  # a quiz is data, graded in this process
            problems = ["no sandbox to validate with; see the server log"]
        else:
            problems = self._grade(job, challenge)
        return [p for p in problems if not any(p.startswith(o) for o in job.optional)]

    def _grade(self, job: Validation, challenge: Challenge) -> list[str]:
        total = cases_of(challenge)
        cases: list[str] = []

        def on_case(line: str) -> None:  # "<slug> <label>: <status> <score>", from check_pack's threads
            with self._lock:
                cases.append(line.removeprefix(f"{job.slug} "))
                progress = {"done": len(cases), "total": total, "cases": list(cases)}
            validations.record_progress(self.store, validation_id=job.id, token=job.lease_token or "",
                                        progress=progress)

        return check_pack(challenge, backend=self.backend, settings=self.settings, log=on_case).problems
