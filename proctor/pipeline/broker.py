"""The Dramatiq Redis broker both ends use, built from PROCTOR_QUEUE_URL.

Dramatiq re-delivers the unacknowledged messages of a process whose heartbeat stopped, during a "maintenance"
pass that its commands run at random (0.1 % of them by default: minutes on a quiet queue). `maintain()` runs
one pass on demand; the web node calls it every few seconds, so a killed worker's job comes back within
`queue_dead_worker_seconds` plus one sweep.
"""

from __future__ import annotations

from typing import Any

import redis
from dramatiq.brokers.redis import RedisBroker

from proctor.pipeline.jobs_wire import NAMESPACE


class Broker(RedisBroker):
    def _should_do_maintenance(self, command: str) -> int:
        # "qsize" is sent by nothing else in Dramatiq but tests' join(); we use it as the maintenance request.
        return 1 if command == "qsize" else int(super()._should_do_maintenance(command))

    def maintain(self, queue_name: str) -> int:
        """Put the dead processes' unacknowledged messages of this queue back; answers the queue's size."""
        return int(self.do_qsize(queue_name))

    def waiting(self, queue_name: str) -> int:
        """Messages not yet taken by any process (delayed ones included)."""
        client: Any = self.client
        return int(client.llen(f"{NAMESPACE}:{queue_name}")) + int(client.llen(f"{NAMESPACE}:{queue_name}.DQ"))


def make_broker(url: str, *, dead_worker_seconds: float) -> Broker:
    # No default middleware: no automatic retries (a job's retries are counted in Redis, see remote_worker.py)
    # and no time limit from Dramatiq (the engine has its own wall limit per run).
    return Broker(url=url, namespace=NAMESPACE, middleware=[],  # type: ignore[no-untyped-call]
                  heartbeat_timeout=int(dead_worker_seconds * 1000))


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, decode_responses=True, socket_timeout=10, socket_connect_timeout=5)
