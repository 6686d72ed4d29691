"""The grader SDK's extra clients and `concurrently` (proctor/grading/app_clients.py)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from proctor.grading.app_clients import concurrently
from proctor.grading.engine import grade
from proctor.grading.packs import load_challenge
from proctor.grading.results import TestStatus
from tests.conftest import SETTINGS


def test_concurrently_releases_every_call_together_and_keeps_their_order():
    # Each call waits for all the others: run one after another, the barrier would break.
    meeting = threading.Barrier(3, timeout=5)
    outcomes = concurrently(*(lambda k=k: (meeting.wait(), k)[1] for k in range(3)))
    assert [o.result() for o in outcomes] == [0, 1, 2]
    assert all(o.started <= o.finished for o in outcomes)
    assert len({o.started for o in outcomes}) == 1


def test_concurrently_hands_back_a_calls_exception_and_sets_started():
    started = threading.Event()

    def fail() -> None:
        raise ValueError("no")

    ok, failed = concurrently(lambda: started.is_set() or "set late", fail, started=started)
    assert started.is_set()
    assert ok.error is None
    assert isinstance(failed.error, ValueError)
    with pytest.raises(ValueError, match="no"):
        failed.result()


def test_a_call_still_running_after_the_timeout_is_a_timeout_error():
    never = threading.Event()
    late, quick = concurrently(lambda: never.wait(30), lambda: "done", timeout=0.2)
    never.set()
    assert quick.result() == "done"
    assert isinstance(late.error, TimeoutError)


APP = '''
from fastapi import FastAPI, Response

app = FastAPI()


@app.get("/login")
def login(response: Response):
    response.set_cookie("who", "me")
    return {}


@app.get("/whoami")
def whoami(who: str | None = None):
    return {}


@app.get("/big")
def big():
    return Response(b"x" * (9 * 1024 * 1024))
'''

TESTS = '''
from proctor.grading.plugin import concurrently


def test_own_cookies_and_the_test_timeout(client_factory):
    first, second = client_factory(), client_factory(headers={"X-Extra": "1"})
    first.get("/login")
    assert first.cookies.get("who") == "me" and second.cookies.get("who") is None
    assert second.headers["X-Extra"] == "1"
    assert first.timeout.read == 7


def test_clients_at_once(client_factory):
    clients = [client_factory() for _ in range(3)]
    outcomes = concurrently(*(lambda c=c: c.get("/whoami").status_code for c in clients))
    assert [o.result() for o in outcomes] == [200, 200, 200]


def test_big_answers_are_capped(client_factory):
    client_factory().get("/big")
'''


def test_client_factory_gives_capped_clients_of_their_own(tmp_path: Path, bwrap) -> None:
    challenges, graders = tmp_path / "challenges" / "demo", tmp_path / "graders" / "demo"
    challenges.mkdir(parents=True)
    graders.mkdir(parents=True)
    (challenges / "challenge.toml").write_text('slug = "demo"\ntitle = "Demo"\nsections = [6]\ndifficulty = "easy"\n'
                                               "[limits]\ntest_seconds = 7\n")
    (graders / "test_demo.py").write_text(TESTS)
    for d in (tmp_path, tmp_path / "challenges", tmp_path / "graders", challenges, graders):
        d.chmod(0o755)
    demo = load_challenge(tmp_path / "challenges", tmp_path / "graders", "demo")
    result = grade(demo, {"app.py": APP.encode()}, backend=bwrap, settings=SETTINGS)
    statuses = {t.name: t.status for t in result.tests}
    assert statuses == {"test_own_cookies_and_the_test_timeout": TestStatus.PASSED,
                        "test_clients_at_once": TestStatus.PASSED,
                        "test_big_answers_are_capped": TestStatus.FAILED}, result.tests
    big = next(t for t in result.tests if t.name == "test_big_answers_are_capped")
    assert "over 8 MiB" in big.detail
