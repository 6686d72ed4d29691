"""`proctor worker`: a grading process on any machine, taking jobs from Redis (PROCTOR_QUEUE_URL).

    proctor worker --concurrency 4

It grades with the packs of its own install and the sandbox backend and warm pool configured on its machine, and
needs no database and no shared files: the job carries the files, and the answer goes back on the results queue.
A job whose pack hash differs from this install's is refused and put back for another worker; this worker never
grades against other tests. Deliveries of each job are counted in Redis, so a job that kills its worker (a
poison job) is answered `infra_error` after `queue_max_deliveries` tries instead of going round for ever.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from typing import Any

import dramatiq
import redis
from dramatiq.message import Message
from pydantic import ValidationError

from proctor.grading.engine import grade, grader_isolation
from proctor.grading.grader_fork import GraderForks
from proctor.grading.limits import Limits
from proctor.grading.packs import Catalog, Challenge, PackError, UnknownChallenge
from proctor.grading.pool import WarmPool
from proctor.grading.sandbox import Sandbox, choose_backend
from proctor.grading.sandbox.fork_start import ForkSandbox
from proctor.grading.submission import SubmissionError
from proctor.grading.suite_pool import start_suite_pool
from proctor.grading.validate import check_pack
from proctor.pipeline.broker import connect, make_broker
from proctor.pipeline.jobs_wire import (
    GRADE_ACTOR,
    JOBS_QUEUE,
    PROGRESS_CHANNEL,
    RECORD_ACTOR,
    RECORD_VALIDATION_ACTOR,
    RESULTS_QUEUE,
    RUNNING_KEY,
    VALIDATE_ACTOR,
    VALIDATE_QUEUE,
    VALIDATION_PROGRESS_CHANNEL,
    WORKERS_KEY,
    GradeJob,
    JobResult,
    ProgressNote,
    ResultKind,
    RunningJob,
    ValidateJob,
    ValidationAnswer,
    ValidationProgressNote,
    WorkerSeen,
    deliveries_key,
    job_key,
    pack_sha256,
    refusers_key,
    validation_key,
)
from proctor.pipeline.lookup import write_pack
from proctor.pipeline.progress import Flusher
from proctor.pipeline.redis_queue import live_workers
from proctor.pipeline.startup import with_start_mode
from proctor.pipeline.validation import cases_of
from proctor.settings import Settings

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
MAX_REFUSALS = 50  # a job every worker refuses stops going round, whatever the count of live workers says
REFUSED_DELAY_MS = 200
DAY = 86400


class RemoteGrader:
    """The actor's body: one delivery of one job in, one JobResult out (or the job handed back)."""

    def __init__(self, *, settings: Settings, catalog: Catalog, backend: Sandbox, concurrency: int,
                 pool: WarmPool | None = None, suite_pool: Any = None, name: str | None = None) -> None:
        self.settings = settings
        self.catalog = catalog
        self.backend = backend
        self.concurrency = concurrency
        self.pool = pool
        self.suite_pool = suite_pool
        self.grader_forks: GraderForks | None = None  # graders forked from a warm server, where apps fork too
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.broker = make_broker(settings.queue_url, dead_worker_seconds=settings.queue_dead_worker_seconds)
        self.client = connect(settings.queue_url)
        self.progress = Flusher()
        self._hashes: dict[str, str] = {}
        dramatiq.Actor(self.handle, broker=self.broker, actor_name=GRADE_ACTOR, queue_name=JOBS_QUEUE,
                       priority=0, options={})
        # Lower runs first: a worker holding both takes the candidate's submission before a pack check.
        dramatiq.Actor(self.validate, broker=self.broker, actor_name=VALIDATE_ACTOR, queue_name=VALIDATE_QUEUE,
                       priority=10, options={})

    def heartbeat(self) -> None:
        seen = WorkerSeen(worker=self.name, host=socket.gethostname(), concurrency=self.concurrency,
                          backend=self.backend.name, seen_at=time.time())
        self.client.hset(WORKERS_KEY, self.name, seen.model_dump_json())

    def leave(self) -> None:
        self.client.hdel(WORKERS_KEY, self.name)

    def handle(self, payload: dict[str, Any]) -> None:
        started = time.time()
        try:
            job = GradeJob.model_validate(payload)
        except ValidationError as exc:
            log.error("a malformed job was dropped: %s", exc)
            return
        if self.client.get(job_key(job.submission_id)) != job.token:
            log.info("submission %d: job of an older attempt dropped (the web node sent it again)", job.submission_id)
            return
        challenge = self._pack(job)
        if challenge is None:
            return
        deliveries = int(self.client.incr(deliveries_key(job.submission_id, job.token)))
        self.client.expire(deliveries_key(job.submission_id, job.token), DAY)
        if deliveries > self.settings.queue_max_deliveries:
            self.client.hdel(RUNNING_KEY, str(job.submission_id))  # left by the worker that died on it
            self._answer(job, "poison", started, message=(
                f"Grading this submission stopped a grading worker {deliveries - 1} times, so it was not graded. "
                "This is a fault of the platform, not of your code; the operators have the worker logs."))
            return
        self.client.hset(RUNNING_KEY, str(job.submission_id),
                         RunningJob(submission_id=job.submission_id, worker=self.name, started_at=started)
                         .model_dump_json())
        try:
            self._grade(job, challenge, started)
        finally:
            self.client.hdel(RUNNING_KEY, str(job.submission_id))

    def validate(self, payload: dict[str, Any]) -> None:
        """Check an authored pack (check_pack: its reference, starter and wrong cases) and send the verdict."""
        try:
            job = ValidateJob.model_validate(payload)
        except ValidationError as exc:
            log.error("a malformed validation job was dropped: %s", exc)
            return
        if self.client.get(validation_key(job.validation_id)) != job.token:
            return  # an older attempt's job; the web node sent it again
        deliveries = int(self.client.incr(deliveries_key(job.validation_id, job.token)))
        self.client.expire(deliveries_key(job.validation_id, job.token), DAY)
        if deliveries > self.settings.queue_max_deliveries:
            self._verdict(job, [f"Checking this pack stopped a grading worker {deliveries - 1} times, on the platform "
                                "side; save again to retry."])
            return
        log.info("validating %s (validation %d)", job.slug, job.validation_id)
        try:
            challenge = write_pack(self.settings.data_dir / "authored", job.slug, job.files)
        except PackError as exc:
            self._verdict(job, [str(exc).split(": ", 1)[-1]])
            return
        total = cases_of(challenge)
        cases: list[str] = []
        lock = threading.Lock()

        def on_case(line: str) -> None:  # from check_pack's threads
            with lock:
                cases.append(line.removeprefix(f"{job.slug} "))
                note = ValidationProgressNote(validation_id=job.validation_id, token=job.token,
                                              progress={"done": len(cases), "total": total, "cases": list(cases)})
            try:
                self.client.publish(VALIDATION_PROGRESS_CHANNEL, note.model_dump_json())
            except redis.RedisError:  # progress is a courtesy; the check goes on without it
                log.warning("progress of validation %d not sent", job.validation_id)

        problems = check_pack(challenge, backend=self.backend, settings=self.settings, log=on_case).problems
        self._verdict(job, [p for p in problems if not any(p.startswith(o) for o in job.optional)])

    def _verdict(self, job: ValidateJob, problems: list[str]) -> None:
        answer = ValidationAnswer(validation_id=job.validation_id, token=job.token, problems=problems[:500],
                                  worker=self.name)
        self.broker.enqueue(Message(queue_name=RESULTS_QUEUE, actor_name=RECORD_VALIDATION_ACTOR,
                                    args=(answer.model_dump(mode="json"),), kwargs={}, options={}))

    def _pack(self, job: GradeJob) -> Challenge | None:
        """This install's pack for the job (or the authored pack it carries), or None after refusing the job
        (handed back for another worker)."""
        try:
            if job.pack is not None:
                challenge = write_pack(self.settings.data_dir / "authored", job.challenge, job.pack)
            else:
                challenge = self.catalog.get(job.challenge)
        except UnknownChallenge:
            self._refuse(job, f"this worker has no challenge {job.challenge!r}")
            return None
        except (PackError, OSError) as exc:
            self._refuse(job, f"the pack that came with the job does not load here: {exc}")
            return None
        key = f"{challenge.slug} {challenge.grader_root}"
        if key not in self._hashes:
            self._hashes[key] = pack_sha256(challenge)
        if self._hashes[key] != job.graders_sha256:
            self._refuse(job, f"pack {job.challenge!r} here has hash {self._hashes[key][:12]}…, the job "
                              f"wants {job.graders_sha256[:12]}… (install the same packs on every machine)")
            return None
        return challenge

    def _refuse(self, job: GradeJob, why: str) -> None:
        log.error("refused submission %d: %s", job.submission_id, why)
        key = refusers_key(job.submission_id, job.token)
        self.client.sadd(key, self.name)
        self.client.expire(key, DAY)
        live = {w.worker for w in live_workers(self.client)} | {self.name}
        refusers: set[str] = self.client.smembers(key)  # type: ignore[assignment]
        if live <= refusers or job.refusals >= MAX_REFUSALS:
            self._answer(job, "no_pack", time.time(), message=(
                f"No grading worker has this challenge's tests in the version it was submitted for ({why}). "
                "This is a fault of the platform, not of your code."))
            return
        again = job.model_copy(update={"refusals": job.refusals + 1})
        self.broker.enqueue(Message(queue_name=JOBS_QUEUE, actor_name=GRADE_ACTOR,
                                    args=(again.model_dump(mode="json"),), kwargs={}, options={}),
                            delay=REFUSED_DELAY_MS)

    def _grade(self, job: GradeJob, challenge: Challenge, started: float) -> None:
        log.info("grading submission %d (%s, %s, attempt %d)", job.submission_id, job.challenge, job.suite,
                 job.attempt)
        def send(data: dict[str, Any]) -> None:
            note = ProgressNote(submission_id=job.submission_id, token=job.token, progress=data)
            try:
                self.client.publish(PROGRESS_CHANNEL, note.model_dump_json())
            except redis.RedisError:  # progress is a courtesy; the grading goes on without it
                log.warning("progress of submission %d not sent", job.submission_id)

        progress = self.progress.track(send)

        files = {name: text.encode("utf-8") for name, text in job.files.items()}
        try:
            result = grade(challenge, files, suite=job.suite, backend=self.backend,
                           limits=Limits.model_validate(job.limits), on_event=progress.apply, settings=self.settings,
                           pool=self.pool, suite_pool=self.suite_pool, grader_forks=self.grader_forks)
        except SubmissionError as exc:
            self._answer(job, "not_gradable", started, message=str(exc))
            return
        except Exception as exc:
            log.exception("grading submission %d failed on the platform side", job.submission_id)
            self._answer(job, "infra_error", started, message=f"{type(exc).__name__}: {exc}"[:2000])
            return
        finally:
            self.progress.done(progress)
        self._answer(job, "graded", started, result=result.model_dump(mode="json", by_alias=True))

    def _answer(self, job: GradeJob, kind: ResultKind, started: float, *, message: str = "",
                result: dict[str, Any] | None = None) -> None:
        answer = JobResult(submission_id=job.submission_id, token=job.token, kind=kind, result=result or {},
                           message=message[:2000], worker=self.name, enqueued_at=job.enqueued_at, started_at=started,
                           finished_at=time.time())
        self.broker.enqueue(Message(queue_name=RESULTS_QUEUE, actor_name=RECORD_ACTOR,
                                    args=(answer.model_dump(mode="json"),), kwargs={}, options={}))


def run(settings: Settings, *, concurrency: int) -> int:
    """Grade until SIGTERM or SIGINT; jobs not finished then go back to the queue."""
    backend, warning = choose_backend(settings.sandbox, local_single_user=False,
                                      allow_process=settings.allow_process_sandbox,
                                      docker_socket_root=settings.docker_socket_root)
    if warning:
        log.warning(warning)
    backend = with_start_mode(backend, settings)
    forks = GraderForks(grader_isolation(settings), settings.jobs_dir) if isinstance(backend, ForkSandbox) else None
    catalog = Catalog(settings.challenges_dir, settings.graders_dir)
    warm = None
    if settings.warm_pool > 0:
        warm = WarmPool(backend, size=settings.warm_pool, jobs_dir=settings.jobs_dir, runtime=settings.runtime_dir,
                        uid=settings.sandbox_uid, gid=settings.sandbox_gid, grader_isolation=grader_isolation(settings))
    suites = start_suite_pool(settings, backend, catalog.all())
    grader = RemoteGrader(settings=settings, catalog=catalog, backend=backend, concurrency=concurrency, pool=warm,
                          suite_pool=suites)
    grader.grader_forks = forks
    worker = dramatiq.Worker(grader.broker, queues={JOBS_QUEUE, VALIDATE_QUEUE}, worker_threads=concurrency,
                             worker_timeout=200)
    worker.queue_prefetch = concurrency  # hold no more jobs than threads: the rest stay for other machines
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    worker.start()
    log.info("worker %s grading %d at a time (%s sandbox)", grader.name, concurrency, backend.name)
    print(f"proctor worker {grader.name}: {concurrency} at a time, {backend.name} sandbox", flush=True)
    while not stop.is_set():
        try:
            grader.heartbeat()
        except redis.RedisError as exc:  # Redis away for a moment: Dramatiq reconnects by itself, so does this
            log.warning("heartbeat not sent: %s", exc)
        stop.wait(HEARTBEAT_SECONDS)
    worker.stop()
    try:
        grader.leave()
    except redis.RedisError:
        log.warning("could not say goodbye; `queue status` drops this worker within a minute")
    if warm:
        warm.close()
    if suites:
        suites.close()
    if forks:
        forks.close()
    if isinstance(backend, ForkSandbox):
        backend.close()
    return 0
