"""An interviewer's authored pack is graded by a `proctor worker` that has never seen it: the pack travels in
the job, is hashed like an installed one, and lands only inside the worker's own data dir (issue 16)."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD, REFERENCE
from pydantic import ValidationError
from redis_servers import RedisServer, WebNode, WorkerProcess, all_done, wait_until

from proctor.grading.packs import read_tree
from proctor.pipeline.jobs_wire import GradeJob
from proctor.settings import PROJECT_ROOT
from proctor.store import Store, authored_challenges, submissions, users, validations
from proctor.store.passwords import hash_password

SLUG = "hello-copy-u1"


def authored_copy_of_hello_route() -> dict[str, str]:
    files: dict[str, str] = {}
    for side in ("challenges", "graders"):
        for rel, data in read_tree(PROJECT_ROOT / side / "hello-route").items():
            text = data.decode()
            if rel == "challenge.toml":
                text = text.replace('slug = "hello-route"', f'slug = "{SLUG}"')
            files[f"{side}/{SLUG}/{rel}"] = text
    return files


@pytest.mark.slow
def test_an_authored_pack_travels_with_its_job(data_dir: Path, bwrap: Any) -> None:
    redis_server = RedisServer(data_dir / "redis", aof=False)
    redis_server.start()
    store = Store.open(data_dir / "proctor.db")
    author = users.create(store, email="author@example.com", password_hash=hash_password(PASSWORD), role="interviewer")
    authored_challenges.save(store, slug=SLUG, owner_id=author.id, title="Hello, copy",
                             files=authored_copy_of_hello_route(), problems=[], validated=True, create=True)
    web = WebNode(data_dir, redis_server.url)
    worker = WorkerProcess(redis_server.url, data_dir, "only")
    try:
        web.start()
        worker.start()
        submission = submissions.create(store, user_id=author.id, challenge=SLUG, suite="hidden",
                                        files={"app.py": REFERENCE})
        wait_until(lambda: all_done(store, [submission.id]), what="the authored pack's grading")
        done = submissions.get(store, submission_id=submission.id)
        assert (done.result_status, done.score, done.result["challenge"]) == ("graded", 100.0, SLUG)
        assert f"grading submission {submission.id}" in worker.log()
        assert list((worker.data_dir / "authored").glob(f"*/challenges/{SLUG}/challenge.toml"))
    finally:
        worker.kill()
        if web.proc is not None:
            web.stop(signal.SIGKILL)
        web.log.close()
        redis_server.kill()
        store.close()


@pytest.mark.parametrize("rel", ["challenges/other-slug/x.py", "graders/hello-copy-u1/../../etc/x",
                                 "/etc/passwd", "graders/hello-copy-u1"])
def test_a_job_pack_cannot_point_outside_its_folders(rel: str) -> None:
    with pytest.raises(ValidationError):
        GradeJob(submission_id=1, attempt=1, token="t" * 32, challenge=SLUG, suite="hidden", graders_sha256="0" * 64,
                 files={}, limits={}, enqueued_at=0, pack={rel: "x"})


@pytest.mark.slow
def test_an_authoring_check_goes_through_the_queue(data_dir: Path, bwrap: Any) -> None:
    redis_server = RedisServer(data_dir / "redis", aof=False)
    redis_server.start()
    store = Store.open(data_dir / "proctor.db")
    author = users.create(store, email="author@example.com", password_hash=hash_password(PASSWORD), role="interviewer")
    files = authored_copy_of_hello_route()
    authored_challenges.save(store, slug=SLUG, owner_id=author.id, title="Hello, copy", files=files, problems=[],
                             validated=False, create=True)
    web = WebNode(data_dir, redis_server.url)
    worker = WorkerProcess(redis_server.url, data_dir, "only")
    try:
        web.start()
        worker.start()
        validation_id = validations.enqueue(store, slug=SLUG, owner_id=author.id, files=files, optional=[])
        wait_until(lambda: validations.get(store, validation_id=validation_id).finished, seconds=240,
                   what="the pack check")
        checked = validations.get(store, validation_id=validation_id)
        assert checked.problems == [] and checked.attempts == 1
        assert authored_challenges.get(store, slug=SLUG).validated
        assert f"validating {SLUG} (validation {validation_id})" in worker.log()
        assert "validating" not in (data_dir / "server.log").read_text()  # the web node checked nothing itself
    finally:
        worker.kill()
        if web.proc is not None:
            web.stop(signal.SIGKILL)
        web.log.close()
        redis_server.kill()
        store.close()
