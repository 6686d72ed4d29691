"""Checking an authored pack runs in the grading workers, never in the save request: the form shows it queued,
then its progress, then the verdict; one interviewer never has two checks running; a dead worker's check is
taken over once and its verdict recorded once."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi import FastAPI
from interviews import staff
from test_authoring import fake_validator, pack, run_validations

from proctor.grading.packs import Challenge
from proctor.pipeline.validation import ValidationRunner
from proctor.store import authored_challenges, validations
from proctor.store.database import now
from tests.leftovers import wait_until

pytestmark = pytest.mark.anyio


def expire(job: validations.Validation) -> None:
    """Wait out a lease nobody renews, by the store's own clock."""
    until = job.lease_until
    assert until is not None and wait_until(lambda: now() > until, seconds=5)


async def test_saving_returns_at_once_with_the_pack_validating(app: FastAPI) -> None:
    seen: list[Challenge] = []
    ivy = await staff(app, "ivy@example.com")
    await ivy.get("/authoring/new")
    r = await ivy.post("/authoring", pack())
    assert r.status_code == 303 and r.headers["location"] == "/authoring/greeting-api-u1"
    assert seen == [] and not authored_challenges.get(app.state.store, slug="greeting-api-u1").validated

    page = await ivy.page("/authoring/greeting-api-u1")
    status = page.by_id("validation-status")
    assert status is not None and status.attrs["data-status"] == "queued"
    assert status.attrs["hx-get"] == "/authoring/greeting-api-u1/validation"  # it polls itself
    assert page.by_id("pack-validated") is None and "Validation queued" in status.text()
    assert (await ivy.page("/assessments/new")).find("input", value="greeting-api-u1") is None  # not usable yet

    job = validations.claim(app.state.store, lease_seconds=60)  # a worker starts on it
    assert job is not None
    validations.record_progress(app.state.store, validation_id=job.id, token=job.lease_token or "",
                                progress={"done": 2, "total": 6, "cases": ["reference: graded 100"] * 2})
    frag = await ivy.page("/authoring/greeting-api-u1/validation", htmx=True)
    assert frag.by_id("validation-status").attrs["data-status"] == "running"
    assert "2 of 6 gradings done" in frag.text() and frag.find("progress") is not None
    validations.release(app.state.store, validation_id=job.id, token=job.lease_token or "")

    assert run_validations(app, fake_validator(seen)) == 1
    assert [c.slug for c in seen] == ["greeting-api-u1"]
    frag = await ivy.page("/authoring/greeting-api-u1/validation", htmx=True)
    status = frag.by_id("validation-status")
    assert status.attrs["data-status"] == "done" and "hx-get" not in status.attrs  # polling stops
    assert frag.by_id("pack-validated") is not None
    assert authored_challenges.get(app.state.store, slug="greeting-api-u1").validated
    assert (await ivy.page("/assessments/new")).find("input", value="greeting-api-u1") is not None

    ian = await staff(app, "ian@example.com")
    assert (await ian.get("/authoring/greeting-api-u1/validation")).status_code == 404


async def test_one_interviewer_waits_for_her_own_check_and_the_latest_save_wins(app: FastAPI) -> None:
    store = app.state.store
    ivy = await staff(app, "ivy@example.com")
    await ivy.get("/authoring/new")
    assert (await ivy.post("/authoring", pack())).status_code == 303
    assert (await ivy.post("/authoring", pack(slug="second", title="Second"))).status_code == 303
    first = validations.claim(store, lease_seconds=60)
    assert first is not None and first.slug == "greeting-api-u1"
    assert validations.claim(store, lease_seconds=60) is None  # her second check waits for the first
    assert "your other validation runs first" in (await ivy.get("/authoring/second-u1")).text

    ian = await staff(app, "ian@example.com")
    await ian.get("/authoring/new")
    assert (await ian.post("/authoring", pack(slug="third", title="Third"))).status_code == 303
    other = validations.claim(store, lease_seconds=60)
    assert other is not None and other.slug == "third-u2"  # another interviewer's is not held up

    await ivy.get("/authoring/second-u1")
    assert (await ivy.post("/authoring/second-u1", pack(slug="second", title="Second, edited"))).status_code == 303
    jobs = store.read().execute("SELECT status FROM pack_validations WHERE slug = 'second-u1'").fetchall()
    assert [j[0] for j in jobs] == ["queued"]  # the waiting check of the older files was replaced
    for _ in range(5):  # however often a pack is saved, it has at most a running check and a queued one
        assert (await ivy.post("/authoring/greeting-api-u1", pack(title="Again"))).status_code == 303
    jobs = store.read().execute("SELECT status FROM pack_validations WHERE slug = 'greeting-api-u1'").fetchall()
    assert sorted(j[0] for j in jobs) == ["queued", "running"]

    assert validations.finish(store, validation_id=first.id, token=first.lease_token or "", problems=[])
    second = validations.claim(store, lease_seconds=60)
    assert second is not None and second.slug == "second-u1"
    assert '"Second, edited"' in second.files["challenges/second-u1/challenge.toml"]


async def test_two_workers_never_run_two_checks_of_one_interviewer(app: FastAPI) -> None:
    ivy = await staff(app, "ivy@example.com")
    await ivy.get("/authoring/new")
    slugs = ["one", "two", "three"]
    for slug in slugs:
        assert (await ivy.post("/authoring", pack(slug=slug, title=slug))).status_code == 303
    lock = threading.Lock()
    running: list[str] = []
    overlaps: list[list[str]] = []

    def validator(challenge: Challenge) -> list[str]:
        with lock:
            running.append(challenge.slug)
            if len(running) > 1:
                overlaps.append(list(running))
        time.sleep(0.2)
        with lock:
            running.remove(challenge.slug)
        return []

    def worker() -> None:  # one server's runner each, as two servers on one database would have
        runner = ValidationRunner(app.state.store, settings=app.state.settings, backend=None, validator=validator)

        def all_validated() -> bool:
            runner.run_next(lease_seconds=60)
            return all(authored_challenges.get(app.state.store, slug=f"{s}-u1").validated for s in slugs)

        wait_until(all_validated, seconds=60, poll=0.01)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(authored_challenges.get(app.state.store, slug=f"{s}-u1").validated for s in slugs)
    assert overlaps == []


async def test_a_dead_workers_check_is_taken_over_once_and_recorded_once(app: FastAPI) -> None:
    store = app.state.store
    ivy = await staff(app, "ivy@example.com")
    await ivy.get("/authoring/new")
    assert (await ivy.post("/authoring", pack())).status_code == 303
    dead = validations.claim(store, lease_seconds=0.05)  # its worker dies: nobody renews the lease
    assert dead is not None
    expire(dead)
    calls: list[Challenge] = []
    assert run_validations(app, fake_validator(calls)) == 1
    assert len(calls) == 1
    job = validations.latest(store, slug="greeting-api-u1")
    assert job is not None and job.id == dead.id and job.attempts == 2 and job.problems == []
    assert not validations.finish(store, validation_id=dead.id, token=dead.lease_token or "", problems=["late"])
    assert validations.latest(store, slug="greeting-api-u1").problems == []  # the late verdict changed nothing
    assert authored_challenges.get(store, slug="greeting-api-u1").validated

    # A check whose second worker dies too ends with a problem rather than being tried forever.
    await ivy.get("/authoring/greeting-api-u1")
    assert (await ivy.post("/authoring/greeting-api-u1", pack())).status_code == 303
    for _ in range(2):
        claimed = validations.claim(store, lease_seconds=0.05)
        assert claimed is not None
        expire(claimed)
    assert validations.claim(store, lease_seconds=60) is None
    assert validations.latest(store, slug="greeting-api-u1").problems == [validations.GAVE_UP]
    assert validations.GAVE_UP in (await ivy.get("/authoring/greeting-api-u1")).text
    assert not authored_challenges.get(store, slug="greeting-api-u1").validated


