"""Authoring checks (check_pack) through Redis, on the web node: claim, send, sweep, record (issue 16).

The same rules as gradings (pipeline/redis_queue.py): a check is claimed with the store's lease, sent with its
token, its lease renewed while Redis holds the job and expired when Redis lost it, and its verdict recorded only
under its token. At most one check waits in Redis, so checks never crowd out the candidates' submissions.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import redis
from dramatiq.message import Message
from pydantic import ValidationError

from proctor.pipeline.broker import Broker
from proctor.pipeline.jobs_wire import (
    VALIDATE_ACTOR,
    VALIDATE_QUEUE,
    ValidateJob,
    ValidationAnswer,
    ValidationProgressNote,
    validation_key,
)
from proctor.store import Store, validations

log = logging.getLogger(__name__)


class RemoteValidations:
    def __init__(self, *, store: Store, broker: Broker, client: redis.Redis, lease_seconds: float) -> None:
        self.store = store
        self.broker = broker
        self.client = client
        self.lease_seconds = lease_seconds

    def dispatch(self) -> int:
        if self.broker.waiting(VALIDATE_QUEUE) > 0:
            return 0
        job = validations.claim(self.store, lease_seconds=self.lease_seconds)
        if job is None:
            return 0
        token = job.lease_token or ""
        try:
            message = ValidateJob(validation_id=job.id, token=token, slug=job.slug, files=job.files,
                                  optional=job.optional, enqueued_at=time.time())
        except ValidationError as exc:  # a pack with files outside its folders: the check itself says so
            validations.finish(self.store, validation_id=job.id, token=token,
                               problems=[f"the pack cannot be checked: {exc.errors()[0]['msg']}"])
            return 0
        try:
            self.client.set(validation_key(job.id), token)
            self.broker.enqueue(Message(queue_name=VALIDATE_QUEUE, actor_name=VALIDATE_ACTOR,
                                        args=(message.model_dump(mode="json"),), kwargs={}, options={}))
        except BaseException:
            validations.release(self.store, validation_id=job.id, token=token)
            raise
        return 1

    def sweep(self) -> None:
        rows = self.store.read().execute(
            "SELECT id, lease_token FROM pack_validations WHERE status = 'running'").fetchall()
        if not rows:
            return
        held = self.client.mget([validation_key(r[0]) for r in rows])
        for (validation_id, token), in_redis in zip(rows, held, strict=True):
            lease = self.lease_seconds if in_redis == token else -1
            validations.renew(self.store, validation_id=validation_id, token=token, lease_seconds=lease)

    def record(self, payload: dict[str, Any]) -> None:
        try:
            answer = ValidationAnswer.model_validate(payload)
        except ValidationError as exc:
            log.error("a malformed validation verdict was dropped: %s", exc)
            return
        if self.client.get(validation_key(answer.validation_id)) == answer.token:
            self.client.delete(validation_key(answer.validation_id))
        if not validations.finish(self.store, validation_id=answer.validation_id, token=answer.token,
                                  problems=answer.problems):
            log.info("validation %d: a duplicate or stale verdict from %s was ignored", answer.validation_id,
                     answer.worker)

    def progress(self, data: Any) -> None:
        try:
            note = ValidationProgressNote.model_validate_json(data)
        except (ValidationError, TypeError, ValueError):
            return
        validations.record_progress(self.store, validation_id=note.validation_id, token=note.token,
                                    progress=note.progress)
