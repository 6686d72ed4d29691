"""What `proctor queue status` and the admin page show: depth, running jobs, live workers, the oldest waiting.

    status = read_status(store, queue_url=settings.queue_url)
    status.depth, status.running, status.workers, status.oldest_wait_seconds
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from pydantic import ValidationError

from proctor.pipeline.broker import connect
from proctor.pipeline.jobs_wire import JOBS_QUEUE, NAMESPACE, RUNNING_KEY, RunningJob, WorkerSeen
from proctor.pipeline.redis_queue import live_workers
from proctor.store import Store


@dataclass(frozen=True)
class QueueStatus:
    mode: str  # "embedded" or "redis"
    depth: int  # waiting to be graded: queued in the database, plus jobs sent but not yet taken by a worker
    running: list[RunningJob] = field(default_factory=list)
    running_count: int = 0
    workers: list[WorkerSeen] = field(default_factory=list)
    oldest_wait_seconds: float | None = None
    problem: str = ""  # why Redis could not be read, when it could not


def read_status(store: Store, *, queue_url: str = "") -> QueueStatus:
    conn = store.read()
    now = time.time()
    queued, oldest = conn.execute("SELECT count(*), min(created_at) FROM submissions "
                                  "WHERE status = 'queued'").fetchone()
    running_rows = conn.execute("SELECT count(*) FROM submissions WHERE status = 'running'").fetchone()[0]
    wait = now - oldest if oldest is not None else None
    if not queue_url:
        return QueueStatus(mode="embedded", depth=int(queued), running_count=int(running_rows),
                           oldest_wait_seconds=wait)
    client = connect(queue_url)
    try:
        workers = live_workers(client)
        alive = {w.worker for w in workers}
        running: list[RunningJob] = []
        raw: dict[str, str] = client.hgetall(RUNNING_KEY)  # type: ignore[assignment]
        for data in raw.values():
            try:
                job = RunningJob.model_validate_json(data)
            except ValidationError:
                continue
            if job.worker in alive:  # a killed worker's entry stays until its job is delivered again
                running.append(job)
        sent = int(client.llen(f"{NAMESPACE}:{JOBS_QUEUE}")) + int(client.llen(f"{NAMESPACE}:{JOBS_QUEUE}.DQ"))
    except Exception as exc:  # noqa: BLE001 - the status page must answer even with Redis down
        return QueueStatus(mode="redis", depth=int(queued), running_count=int(running_rows), oldest_wait_seconds=wait,
                           problem=f"Redis unreachable: {type(exc).__name__}")
    finally:
        client.close()
    return QueueStatus(mode="redis", depth=int(queued) + sent, running=sorted(running, key=lambda j: j.started_at),
                       running_count=len(running), workers=sorted(workers, key=lambda w: w.worker),
                       oldest_wait_seconds=wait)


def render(status: QueueStatus) -> str:
    """The plain-text report of `proctor queue status`."""
    now = time.time()
    lines = [f"mode:     {status.mode}", f"depth:    {status.depth} waiting",
             f"running:  {status.running_count}",
             "oldest:   " + (f"{status.oldest_wait_seconds:.0f} s waiting" if status.oldest_wait_seconds is not None
                             else "nothing waiting")]
    if status.problem:
        lines.append(f"problem:  {status.problem}")
    if status.mode == "redis":
        lines.append(f"workers:  {len(status.workers)} seen in the last minute")
        for w in status.workers:
            seen = now - w.seen_at
            lines.append(f"  {w.worker:<32} concurrency {w.concurrency:<3} {w.backend:<7} seen {seen:.0f} s ago")
        for job in status.running:
            lines.append(f"  submission {job.submission_id} on {job.worker} for {now - job.started_at:.0f} s")
    return "\n".join(lines)


# Read on every poll of a queued panel: the newest finished ones, from their own index, never the whole table.
RECENT_GRADINGS = ("SELECT finished_at, started_at FROM submissions INDEXED BY submissions_finished "
                   "WHERE status = 'done' AND started_at IS NOT NULL ORDER BY finished_at DESC LIMIT ?")


def mean_grading_seconds(store: Store, *, recent: int = 50) -> float | None:
    """How long the last `recent` gradings took, on average, from claim to result; None before any."""
    row = store.read().execute(f"SELECT avg(finished_at - started_at) FROM ({RECENT_GRADINGS})", (recent,)).fetchone()
    return float(row[0]) if row and row[0] is not None else None


def estimate_wait_seconds(store: Store, *, position: int, slots: int) -> float | None:
    """Roughly when the submission at `position` starts: the ones ahead shared among the grading slots, plus its
    own grading. None before any grading has finished (there is nothing to estimate from)."""
    mean = mean_grading_seconds(store)
    if mean is None:
        return None
    return mean * (1 + (position - 1) / max(1, slots))


def wait_words(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    return f"{round(seconds / 60)} min"
