"""The assessment tables: single-use invitations, the deadline sweep, snapshots, reviews."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from proctor.store import Store, assessments, invitations, reviews, sittings, snapshots, submissions, users
from proctor.store.sittings import CannotStart


@pytest.fixture
def store(data_dir: Path) -> Store:
    return Store.open(data_dir / "proctor.db")


def setup(store: Store, email: str = "cand@example.com") -> tuple[assessments.Assessment, int, int]:
    owner = users.create(store, email="int@example.com", password_hash="h", role="interviewer")
    cand = users.create(store, email=email, password_hash="h")
    a = assessments.create(store, owner_id=owner.id, title="T", intro="", challenges=["hello-route", "request-body"],
                           time_limit_minutes=30, opens_at=None, closes_at=None, score_visibility="after")
    inv, _ = invitations.create(store, assessment_id=a.id, email=email, lifetime_seconds=3600)
    return a, inv.id, cand.id


def test_invitation_is_single_use_and_secret_is_hashed(store: Store) -> None:
    a, _, cand = setup(store)
    inv, secret = invitations.create(store, assessment_id=a.id, email="x@example.com", lifetime_seconds=60)
    assert secret not in inv.token_hash and invitations.find(store, secret=secret) == inv
    assert invitations.find(store, secret=secret + "x") is None
    sittings.start(store, invitation_id=inv.id, user_id=cand, time_limit_seconds=60, closes_at=None)
    other = users.create(store, email="o@example.com", password_hash="h")
    with pytest.raises(CannotStart, match="already been used"):
        sittings.start(store, invitation_id=inv.id, user_id=other.id, time_limit_seconds=60,
                                  closes_at=None)


def test_revoked_and_expired_invitations_cannot_start(store: Store) -> None:
    a, inv_id, cand = setup(store)
    invitations.revoke(store, invitation_id=inv_id)
    with pytest.raises(CannotStart, match="revoked"):
        sittings.start(store, invitation_id=inv_id, user_id=cand, time_limit_seconds=60, closes_at=None)
    inv2, _ = invitations.create(store, assessment_id=a.id, email="c2@example.com", lifetime_seconds=60)
    invitations.expire(store, invitation_id=inv2.id)
    with pytest.raises(CannotStart, match="expired"):
        sittings.start(store, invitation_id=inv2.id, user_id=cand, time_limit_seconds=60, closes_at=None)


def test_deadline_is_capped_by_the_window(store: Store) -> None:
    _, inv_id, cand = setup(store)
    closes = time.time() + 10
    s = sittings.start(store, invitation_id=inv_id, user_id=cand, time_limit_seconds=3600,
                                  closes_at=closes)
    assert s.deadline == closes


def test_sweep_submits_last_drafts_once_and_locks(store: Store) -> None:
    _, inv_id, cand = setup(store)
    s = sittings.start(store, invitation_id=inv_id, user_id=cand, time_limit_seconds=60, closes_at=None)
    for text in ("a", "ab", "ab", "abc"):
        snapshots.save(store, sitting_id=s.id, challenge="hello-route", files={"app.py": text})
    assert [x.files["app.py"] for x in snapshots.list_for(store, sitting_id=s.id,
                                                          challenge="hello-route")] == ["a", "ab", "abc"]
    assert sittings.sweep(store) == []  # not due yet
    sittings.move_deadline(store, session_id=s.id, deadline=time.time() - 1)
    created = sittings.sweep(store)
    assert len(created) == 1  # request-body had no draft
    sub = submissions.get(store, submission_id=created[0])
    assert sub.files == {"app.py": "abc"} and sub.sitting_id == s.id and sub.status == "queued"
    assert sittings.sweep(store) == []
    assert sittings.get(store, session_id=s.id).status == "expired"
    # practice views never show it
    assert submissions.get(store, submission_id=sub.id, user_id=cand) is None
    assert submissions.list_for(store, user_id=cand, suite=None) == []


def test_close_skips_code_already_submitted(store: Store) -> None:
    _, inv_id, cand = setup(store)
    s = sittings.start(store, invitation_id=inv_id, user_id=cand, time_limit_seconds=60, closes_at=None)
    snapshots.save(store, sitting_id=s.id, challenge="hello-route", files={"app.py": "x"})
    submissions.create(store, user_id=cand, challenge="hello-route", suite="hidden", files={"app.py": "x"},
                       sitting_id=s.id)
    assert sittings.close(store, session_id=s.id) == []
    assert sittings.get(store, session_id=s.id).status == "finished"


def test_reviews(store: Store) -> None:
    _, inv_id, cand = setup(store)
    s = sittings.start(store, invitation_id=inv_id, user_id=cand, time_limit_seconds=60, closes_at=None)
    assert reviews.get(store, sitting_id=s.id).rating is None
    reviews.save(store, sitting_id=s.id, reviewer_id=1, notes="good", rating=4)
    assert reviews.get(store, sitting_id=s.id).notes == "good"
    with pytest.raises(ValueError):
        reviews.save(store, sitting_id=s.id, reviewer_id=1, notes="", rating=6)
