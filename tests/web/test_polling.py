"""A waiting submission's panel asks again soon at first, then less often; a running one every 200 ms."""

from __future__ import annotations

from proctor.store.submissions import Submission
from proctor.web.polling import poll_delay


def waiting(status: str = "queued", created_at: float = 1000.0) -> Submission:
    return Submission(id=1, user_id=1, challenge="hello-route", suite="hidden", files={}, status=status,
                      created_at=created_at, started_at=None, finished_at=None, lease_token=None, lease_until=None,
                      not_before=created_at, attempts=0, progress=None, result=None, result_status=None, score=None)


def test_the_longer_it_waits_the_less_often_its_panel_asks() -> None:
    delays = [poll_delay(waiting(), now=1000.0 + waited) for waited in (0.05, 0.4, 1.0, 3.0, 30.0)]
    assert delays == ["100ms", "100ms", "250ms", "500ms", "1000ms"]


def test_a_running_submission_is_asked_about_at_the_pace_of_its_progress() -> None:
    assert poll_delay(waiting("running"), now=1030.0) == "200ms"
