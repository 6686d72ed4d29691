"""The web node's side of distributed grading (PROCTOR_QUEUE_URL): send jobs, record results, keep nothing lost.

    queue = RedisQueue(store=store, catalog=lookup, settings=settings, on_finished=record_grading)
    queue.start()      # threads: the dispatcher, the progress listener, Dramatiq's results consumer
    queue.notify()     # a submission was stored: dispatch now rather than at the next poll
    queue.stop()       # jobs in flight stay in Redis; their results wait there for the next start

The dispatcher claims with the same fair `claim()` as the embedded workers and keeps at most as many jobs in
Redis as the live workers have slots, so the order workers take jobs in is decided here. Every few seconds it
sweeps the running submissions: a lease whose job Redis still holds is renewed (Dramatiq will deliver it, to
another worker if its first one died), one whose job Redis lost (a restart without AOF) is expired, and the next
claim sends it again under a new token. Only this process writes SQLite.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import dramatiq
import redis
from dramatiq.message import Message
from pydantic import ValidationError

from proctor.grading.packs import Catalog, Challenge, UnknownChallenge
from proctor.grading.results import RunResult, RunStatus
from proctor.pipeline.broker import Broker, connect, make_broker
from proctor.pipeline.jobs_wire import (
    GRADE_ACTOR,
    JOBS_QUEUE,
    PROGRESS_CHANNEL,
    RECORD_ACTOR,
    RECORD_VALIDATION_ACTOR,
    RESULTS_QUEUE,
    VALIDATE_QUEUE,
    VALIDATION_PROGRESS_CHANNEL,
    WORKER_SEEN_SECONDS,
    WORKERS_KEY,
    GradeJob,
    JobResult,
    ProgressNote,
    WorkerSeen,
    job_key,
    pack_sha256,
)
from proctor.pipeline.redis_validations import RemoteValidations
from proctor.pipeline.worker import backoff_seconds
from proctor.settings import Settings
from proctor.store import Store, authored_challenges, submissions
from proctor.store.submissions import Submission

log = logging.getLogger(__name__)

OnFinished = Callable[[Submission, RunResult, float], None]
SWEEP_SECONDS = 3.0


def not_graded(submission: Submission, status: str, message: str) -> dict[str, Any]:
    return {"status": status, "score": 0.0, "tests": [], "message": message, "points": 0, "max_points": 0,
            "suite": submission.suite, "challenge": submission.challenge}


def live_workers(client: redis.Redis) -> list[WorkerSeen]:
    """The `proctor worker` processes that reported within the last minute."""
    seen: list[WorkerSeen] = []
    cutoff = time.time() - WORKER_SEEN_SECONDS
    raw: dict[str, str] = client.hgetall(WORKERS_KEY)  # type: ignore[assignment]
    for data in raw.values():
        try:
            worker = WorkerSeen.model_validate_json(data)
        except ValidationError:
            continue
        if worker.seen_at >= cutoff:
            seen.append(worker)
        elif worker.seen_at < cutoff - 3600:  # killed long ago (a clean stop removes itself)
            client.hdel(WORKERS_KEY, worker.worker)
    return seen


class RedisQueue:
    def __init__(self, *, store: Store, catalog: Catalog, settings: Settings,
                 on_finished: OnFinished | None = None) -> None:
        self.store = store
        self.catalog = catalog
        self.settings = settings
        self.on_finished = on_finished
        self.lease_seconds = settings.grading_lease_seconds
        self.broker: Broker = make_broker(settings.queue_url, dead_worker_seconds=settings.queue_dead_worker_seconds)
        self.client = connect(settings.queue_url)
        self.validations = RemoteValidations(store=store, broker=self.broker, client=self.client,
                                             lease_seconds=self.lease_seconds)
        dramatiq.Actor(self.record, broker=self.broker, actor_name=RECORD_ACTOR, queue_name=RESULTS_QUEUE,
                       priority=0, options={})
        dramatiq.Actor(self.validations.record, broker=self.broker, actor_name=RECORD_VALIDATION_ACTOR,
                       queue_name=RESULTS_QUEUE, priority=0, options={})
        self._results = dramatiq.Worker(self.broker, queues={RESULTS_QUEUE}, worker_threads=1, worker_timeout=200)
        self._results.queue_prefetch = 1
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._recording = threading.Lock()  # a result's record and the sweep never interleave
        self._threads: list[threading.Thread] = []
        self._hashes: dict[tuple[str, str], str] = {}

    def start(self) -> None:
        self._results.start()
        for name, target in (("proctor-dispatcher", self._dispatch_loop), ("proctor-progress", self._listen)):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)
        log.info("grading through %s: jobs to `proctor worker` processes", redact(self.settings.queue_url))

    def alive(self) -> bool:
        return bool(self._threads) and all(t.is_alive() for t in self._threads)

    def notify(self) -> None:
        self._wake.set()

    def reachable(self) -> str:
        """"ok", or why Redis does not answer (for /ready)."""
        try:
            self.client.ping()
        except redis.RedisError as exc:
            return f"failed: {type(exc).__name__}"
        return "ok"

    @property
    def count(self) -> int:
        """Grading slots: the concurrency of the workers seen in the last minute (0 when Redis is away)."""
        try:
            return sum(w.concurrency for w in live_workers(self.client))
        except redis.RedisError:
            return 0

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self._results.stop(timeout=int(timeout * 1000))
        self.broker.close()

    # The dispatcher thread: sweep now and then, then fill the window.

    def _dispatch_loop(self) -> None:
        next_sweep = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() >= next_sweep:
                    self.sweep()
                    next_sweep = time.monotonic() + min(SWEEP_SECONDS, self.lease_seconds / 3)
                self.dispatch()
                self.validations.dispatch()
            except (redis.ConnectionError, redis.TimeoutError, dramatiq.errors.ConnectionError) as exc:
                log.warning("the queue at %s is unreachable (%s); retrying", redact(self.settings.queue_url), exc)
                # Sweep before the next claim: leases may have run out meanwhile, and a job Redis still holds
                # must have its lease renewed before claim() could take it for lost.
                next_sweep = 0.0
                self._stop.wait(1.0)
            except Exception:
                log.exception("dispatching failed")
                next_sweep = 0.0
                self._stop.wait(1.0)
            self._wake.wait(0.25)
            self._wake.clear()

    def dispatch(self) -> int:
        """Send due submissions until Redis holds a job for each live worker slot; answers how many were sent."""
        window = max(1, sum(w.concurrency for w in live_workers(self.client)))
        waiting = self.broker.waiting(JOBS_QUEUE)
        sent = 0
        while waiting + sent < window and not self._stop.is_set():
            claimed = submissions.claim(self.store, lease_seconds=self.lease_seconds)
            if claimed is None:
                break
            try:
                self.send(claimed)
            except BaseException:
                submissions.release(self.store, submission_id=claimed.id, token=claimed.lease_token or "")
                raise
            sent += 1
        return sent

    def send(self, submission: Submission) -> None:
        token = submission.lease_token or ""
        try:
            challenge = self.catalog.get(submission.challenge)
        except UnknownChallenge:
            submissions.finish(self.store, submission_id=submission.id, token=token,
                               result=not_graded(submission, "not_gradable",
                                                 "This challenge no longer exists, so it cannot be graded."),
                               result_status="not_gradable", score=0.0 if submission.suite == "hidden" else None)
            return
        key = (challenge.slug, str(challenge.grader_root))
        if key not in self._hashes:
            self._hashes[key] = pack_sha256(challenge)
        job = GradeJob(submission_id=submission.id, attempt=submission.attempts, token=token,
                       challenge=challenge.slug, suite=submission.suite,
                       graders_sha256=self._hashes[key], files=submission.files,
                       limits=challenge.limits.model_dump(), enqueued_at=time.time(), pack=self._authored(challenge))
        # The token is in Redis before the job: a worker that sees the job always finds it.
        self.client.set(job_key(submission.id), token)
        self.broker.enqueue(Message(queue_name=JOBS_QUEUE, actor_name=GRADE_ACTOR,
                                    args=(job.model_dump(mode="json"),), kwargs={}, options={}))

    def _authored(self, challenge: Challenge) -> dict[str, str] | None:
        """An interviewer's pack (not among the installed ones): its files, to travel with the job."""
        if challenge.slug in self.catalog.slugs():
            return None
        authored = authored_challenges.get(self.store, slug=challenge.slug)
        return authored.files if authored else None

    def sweep(self) -> None:
        """Renew the leases of jobs Redis still holds; expire those it lost, so the next claim sends them again."""
        for queue_name in (JOBS_QUEUE, VALIDATE_QUEUE, RESULTS_QUEUE):
            self.broker.maintain(queue_name)
        self.validations.sweep()
        rows = self.store.read().execute(
            "SELECT id, lease_token FROM submissions WHERE status = 'running'").fetchall()
        if not rows:
            return
        with self._recording:
            held = self.client.mget([job_key(r[0]) for r in rows])
            for (submission_id, token), in_redis in zip(rows, held, strict=True):
                if in_redis == token:
                    submissions.renew(self.store, submission_id=submission_id, token=token,
                                      lease_seconds=self.lease_seconds)
                elif submissions.renew(self.store, submission_id=submission_id, token=token, lease_seconds=-1):
                    log.warning("submission %d: its job is no longer in Redis; sending it again", submission_id)
                    self._wake.set()

    # The results consumer (Dramatiq's worker thread) and the progress listener.

    def record(self, payload: dict[str, Any]) -> None:
        """Record one result, once: only while the submission runs under the result's token."""
        try:
            answer = JobResult.model_validate(payload)
        except ValidationError as exc:
            log.error("a malformed result was dropped: %s", exc)
            return
        with self._recording:
            submission = submissions.get(self.store, submission_id=answer.submission_id)
            if submission is None or submission.status != "running" or submission.lease_token != answer.token:
                log.info("submission %d: a duplicate or stale result from %s was ignored",
                         answer.submission_id, answer.worker)
                return
            # Forgotten first: if this process dies before the write, the sweep sends the job again.
            if self.client.get(job_key(submission.id)) == answer.token:
                self.client.delete(job_key(submission.id))
            self._write(submission, answer)

    def _write(self, submission: Submission, answer: JobResult) -> None:
        token = answer.token
        hidden = submission.suite == "hidden"
        if answer.kind == "graded":
            result = RunResult.model_validate(answer.result)
            if result.status == RunStatus.INFRA_ERROR:
                self._retry(submission, token, result.message)
                return
            if submissions.finish(self.store, submission_id=submission.id, token=token,
                                  result=result.model_dump(mode="json", by_alias=True),
                                  result_status=result.status.value, score=result.score if hidden else None):
                log.info("submission %d graded by %s: %s, score %s (%.3f s from sending to the worker's start, "
                         "%.3f s grading)", submission.id, answer.worker, result.status.value, result.score,
                         answer.started_at - answer.enqueued_at, answer.finished_at - answer.started_at)
                if self.on_finished:
                    self.on_finished(submission, result, answer.finished_at - answer.started_at)
        elif answer.kind == "infra_error":
            self._retry(submission, token, answer.message)
        else:
            status = "not_gradable" if answer.kind == "not_gradable" else "infra_error"
            log.warning("submission %d: %s from %s: %s", submission.id, status, answer.worker, answer.message)
            submissions.finish(self.store, submission_id=submission.id, token=token,
                               result=not_graded(submission, status, answer.message), result_status=status,
                               score=0.0 if hidden and status == "not_gradable" else None)

    def _retry(self, submission: Submission, token: str, message: str) -> None:
        delay = backoff_seconds(submission.attempts)
        log.warning("infra error on submission %d (%s); retrying in %.0f s", submission.id, message[:200], delay)
        submissions.retry_later(self.store, submission_id=submission.id, token=token, delay_seconds=delay)
        self._wake.set()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                pubsub = self.client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
                pubsub.subscribe(PROGRESS_CHANNEL, VALIDATION_PROGRESS_CHANNEL)
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=0.5)
                    if message is None:
                        continue
                    if message.get("channel") == VALIDATION_PROGRESS_CHANNEL:
                        self.validations.progress(message.get("data"))
                    else:
                        self._progress(message.get("data"))
                pubsub.close()
            except (redis.ConnectionError, redis.TimeoutError):
                self._stop.wait(1.0)
            except Exception:
                log.exception("the progress listener failed")
                self._stop.wait(1.0)

    def _progress(self, data: Any) -> None:
        try:
            note = ProgressNote.model_validate_json(data)
        except (ValidationError, TypeError, ValueError):
            return
        submissions.record_progress(self.store, submission_id=note.submission_id, token=note.token,
                                    progress=note.progress)


def redact(url: str) -> str:
    """The URL without its password, for logs."""
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.rpartition('@')[2]}"
