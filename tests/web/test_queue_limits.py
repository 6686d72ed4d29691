"""The queue is fair and bounded (issue 11 §5), on real SQLite files: round-robin between users, assessments
before practice, in-flight caps per client address and overall (429 with Retry-After), and session snapshots
bounded by count, bytes and an autosave interval."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from conftest import Client, make_settings
from fastapi import FastAPI
from interviews import create_assessment, invite, staff, start

from proctor.store import Store, assessments, invitations, sittings, snapshots, submissions, users
from proctor.store.snapshots import SnapshotLimits
from proctor.web.app import create_app

pytestmark = pytest.mark.anyio


@pytest.fixture
def store(data_dir: Path) -> Store:
    return Store.open(data_dir / "proctor.db")


def queue(store: Store, user_id: int, count: int = 1, session_id: int | None = None) -> list[int]:
    """Queue without the per-request limits, as the deadline does with a session's last drafts."""
    with store.write() as conn:
        return [submissions.insert(conn, user_id=user_id, challenge="hello-route", suite="hidden",
                                   files={"app.py": str(i)}, per_minute=None, sitting_id=session_id)
                for i in range(count)]


def grade_one(store: Store) -> int | None:
    claimed = submissions.claim(store, lease_seconds=30)
    if claimed is None:
        return None
    submissions.finish(store, submission_id=claimed.id, token=claimed.lease_token or "", result={"tests": []},
                       result_status="graded", score=0.0)
    return claimed.id


def test_one_users_backlog_does_not_delay_anothers_next(store: Store) -> None:
    a = users.create(store, email="a@example.com", password_hash="h").id
    b = users.create(store, email="b@example.com", password_hash="h").id
    backlog = queue(store, a, 10)
    (bs,) = queue(store, b)
    position = {i: submissions.queue_position(store, submission=submissions.get(store, submission_id=i))
                for i in (bs, backlog[0], backlog[-1])}
    assert position == {backlog[0]: 1, bs: 2, backlog[-1]: 11}  # what the live panel and the API show
    order = [grade_one(store) for _ in range(11)]
    assert order.index(bs) == 1 and order.index(backlog[-1]) == 10  # B's one goes second, not eleventh
    assert [i for i in order if i != bs] == backlog  # A's own stay in order
    assert grade_one(store) is None


def test_a_user_already_being_graded_waits_for_the_others(store: Store) -> None:
    """Two workers: while A's first is running, the next claim is B's, though A's second is older."""
    a = users.create(store, email="a@example.com", password_hash="h").id
    b = users.create(store, email="b@example.com", password_hash="h").id
    first, second = queue(store, a, 2)
    (bs,) = queue(store, b)
    assert submissions.claim(store, lease_seconds=30).id == first  # left running
    assert submissions.claim(store, lease_seconds=30).id == bs
    assert submissions.claim(store, lease_seconds=30).id == second


def test_an_assessment_comes_before_practice(store: Store) -> None:
    owner = users.create(store, email="i@example.com", password_hash="h", role="interviewer").id
    cand = users.create(store, email="c@example.com", password_hash="h").id
    practisers = [users.create(store, email=f"p{i}@example.com", password_hash="h").id for i in range(3)]
    a = assessments.create(store, owner_id=owner, title="T", intro="", challenges=["hello-route"],
                           time_limit_minutes=30, opens_at=None, closes_at=None, score_visibility="after")
    inv, _ = invitations.create(store, assessment_id=a.id, email="c@example.com", lifetime_seconds=3600)
    session = sittings.start(store, invitation_id=inv.id, user_id=cand, time_limit_seconds=60,
                                        closes_at=None)
    practice = [queue(store, p)[0] for p in practisers]
    (sitting,) = queue(store, cand, session_id=session.id)
    assert [grade_one(store) for _ in range(4)] == [sitting, *practice]


def client_at(app: FastAPI, address: str) -> Client:
    """A browser at another client address."""
    c = Client(app)
    c.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 4000)),
                               base_url="http://testserver")
    return c


@pytest.fixture
async def capped(data_dir: Path) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(data_dir, max_queued_per_address=2, max_queued=3), start_workers=False)
    async with application.router.lifespan_context(application):
        yield application


async def test_in_flight_caps_per_address_and_overall_answer_429(capped: FastAPI) -> None:
    people = [Client(capped) for _ in range(4)]
    for i, c in enumerate(people):
        await c.signup(f"user{i}@example.com")
    assert [(await c.submit()).status_code for c in people[:2]] == [303, 303]
    refused = await people[2].submit()
    assert refused.status_code == 429 and refused.headers["retry-after"] == "10"
    assert "from your network address are waiting" in refused.text
    api = (await people[2].http.post("/api/v1/submissions", headers={"X-CSRF-Token": people[2].token or ""},
                                       json={"challenge": "hello-route", "files": {"app.py": "x = 1\n"}}))
    assert api.status_code == 429 and api.headers["retry-after"] == "10"

    # another address still gets in, until the whole queue is full
    elsewhere, far2 = client_at(capped, "203.0.113.9"), client_at(capped, "203.0.113.10")
    await elsewhere.signup("far@example.com")
    assert (await elsewhere.submit()).status_code == 303
    await far2.signup("far2@example.com")
    full = await far2.submit()
    assert full.status_code == 429 and full.headers["retry-after"] == "60" and "queue is full" in full.text
    assert submissions.status_counts(capped.state.store) == {"queued": 3}

    # graded ones leave the count: the address may send again
    grade_one(capped.state.store)
    assert (await people[2].submit()).status_code == 303
    for c in [*people, elsewhere, far2]:
        await c.aclose()


async def test_candidates_sharing_an_office_address_are_not_capped(capped: FastAPI) -> None:
    """A hiring day: every candidate behind one address. Sessions exist only by invitation (one in flight each),
    so their submissions are left out of the per-address count; the whole queue's cap still holds."""
    ivy = await staff(capped, "ivy@example.com")
    aid = await create_assessment(ivy, ("hello-route",))
    sittings = []
    for i in range(3):
        c = Client(capped)
        path = await invite(ivy, aid, f"cand{i}@example.com")
        await c.signup(f"cand{i}@example.com")
        sittings.append((c, await start(c, path)))
    codes = [(await c.post(f"/sittings/{sid}/challenges/hello-route/submissions",
                           {"filename": "app.py", "content": "x = 1\n", "suite": "hidden"})).status_code
             for c, sid in sittings]
    assert codes == [303, 303, 303]  # three from one address, past its cap of two
    other = Client(capped)
    await other.signup("someone@example.com")
    full = await other.submit()  # the queue's cap (three) counts everyone's
    assert full.status_code == 429 and "queue is full" in full.text
    for c in [other, ivy, *(c for c, _ in sittings)]:
        await c.aclose()


def sizes(store: Store, session_id: int) -> tuple[int, int]:
    row = store.read().execute("SELECT count(*), sum(length(CAST(files AS BLOB))) FROM snapshots "
                               "WHERE sitting_id = ?", (session_id,)).fetchone()
    return int(row[0]), int(row[1] or 0)


def sitting(store: Store) -> int:
    owner = users.create(store, email="i@example.com", password_hash="h", role="interviewer").id
    cand = users.create(store, email="c@example.com", password_hash="h").id
    a = assessments.create(store, owner_id=owner, title="T", intro="", challenges=["hello-route"],
                           time_limit_minutes=30, opens_at=None, closes_at=None, score_visibility="after")
    inv, _ = invitations.create(store, assessment_id=a.id, email="c@example.com", lifetime_seconds=3600)
    return sittings.start(store, invitation_id=inv.id, user_id=cand, time_limit_seconds=60,
                                     closes_at=None).id


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The snapshot store's clock, one second a save: spacing in time is then deterministic."""
    ticks = [1_000_000.0]

    def tick() -> float:
        ticks[0] += 1.0
        return ticks[0]

    monkeypatch.setattr(snapshots, "now", tick)
    return ticks


def test_snapshots_are_thinned_to_a_count(store: Store, clock: list[float]) -> None:
    session_id = sitting(store)
    limits = SnapshotLimits(keep=10)
    for i in range(100):
        snapshots.save(store, sitting_id=session_id, challenge="hello-route", files={"app.py": str(i)},
                       limits=limits)
        assert sizes(store, session_id)[0] <= 10
    kept = [int(s.files["app.py"]) for s in snapshots.list_for(store, sitting_id=session_id,
                                                               challenge="hello-route")]
    assert len(kept) == 10 and kept[0] == 0 and kept[-1] == 99 and kept == sorted(kept)  # start and draft stay
    gaps = [b - a for a, b in zip(kept, kept[1:], strict=False)]
    assert max(gaps) <= 2 * 99 / 9  # still spread over the whole session, not only its end


def test_snapshots_keep_to_a_byte_budget(store: Store, clock: list[float]) -> None:
    session_id = sitting(store)
    limits = SnapshotLimits(max_bytes=100_000)
    for i in range(60):
        code = f"# {i}\n" + "x" * 10_000
        snapshots.save(store, sitting_id=session_id, challenge="hello-route", files={"app.py": code},
                       limits=limits)
        assert sizes(store, session_id)[1] <= 100_000
    latest = snapshots.latest(store, sitting_id=session_id, challenge="hello-route")
    assert latest is not None and latest.files["app.py"].startswith("# 59\n")
    assert sizes(store, session_id)[0] >= 5


async def test_autosave_adds_one_snapshot_per_interval_and_always_keeps_the_draft(app: FastAPI,
                                                                                  client: Client) -> None:
    ivy = await staff(app, "ivy@example.com")
    aid = await create_assessment(ivy, ("hello-route",))
    path = await invite(ivy, aid, "cand@example.com")
    await client.signup("cand@example.com")
    sid = await start(client, path)
    store, base = app.state.store, f"/sittings/{sid}/challenges/hello-route"
    await client.get(base)
    for i in range(20):
        r = await client.post(base + "/draft", {"filename": "app.py", "content": f"x = {i}\n"}, htmx=True)
        assert r.status_code == 200 and "Draft saved" in r.text
    kept = snapshots.list_for(store, sitting_id=sid, challenge="hello-route")
    assert [s.files["app.py"] for s in kept] == ["x = 19\n"]  # one row, holding the newest draft

    with store.write() as conn:  # the interval has passed (no sleeping in tests)
        conn.execute("UPDATE snapshots SET at = at - 5 WHERE sitting_id = ?", (sid,))
    await client.post(base + "/draft", {"filename": "app.py", "content": "x = 20\n"}, htmx=True)
    kept = snapshots.list_for(store, sitting_id=sid, challenge="hello-route")
    assert [s.files["app.py"] for s in kept] == ["x = 19\n", "x = 20\n"]
