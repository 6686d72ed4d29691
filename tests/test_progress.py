"""Live progress is throttled: one note per PROGRESS_SECONDS at most, the test count at once, nothing held for ever."""

from __future__ import annotations

import time
from typing import Any

from proctor.grading.protocol import AppReady, TestFinished, TestMeta, TestsCollected, TestStarted
from proctor.grading.results import TestResult, TestStatus
from proctor.pipeline.progress import PROGRESS_SECONDS, Flusher, Progress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def passed(name: str) -> TestFinished:
    return TestFinished(result=TestResult(name=name, status=TestStatus.PASSED, points=1, max_points=1))


def test_a_fast_grading_sends_one_note_the_count_of_its_tests() -> None:
    clock, sent = Clock(), []
    progress = Progress(lambda data: sent.append(dict(data)), clock)
    progress.apply(AppReady())
    clock.now += 0.01
    progress.apply(TestsCollected(tests=[TestMeta(name="test_a"), TestMeta(name="test_b")]))
    for name in ("test_a", "test_b"):
        clock.now += 0.01
        progress.apply(TestStarted(name=name))
        progress.apply(passed(name))
    progress.close()
    clock.now += 1
    progress.flush()
    assert [(note["total"], note["done"]) for note in sent] == [(2, 0)]


def test_what_the_throttle_holds_goes_out_once_due_with_the_latest_state() -> None:
    clock, sent = Clock(), []
    progress = Progress(lambda data: sent.append(dict(data)), clock)
    progress.apply(TestsCollected(tests=[TestMeta(name="test_slow")]))
    clock.now += 0.05
    progress.apply(TestStarted(name="test_slow"))
    progress.flush()
    assert len(sent) == 1  # not due yet
    clock.now += PROGRESS_SECONDS
    progress.flush()
    assert sent[-1]["running"] == "test_slow"  # a slow test shows as running while it runs
    progress.flush()
    assert len(sent) == 2  # nothing new held: nothing sent


def test_a_note_after_a_quiet_spell_goes_at_once() -> None:
    clock, sent = Clock(), []
    progress = Progress(lambda data: sent.append(dict(data)), clock)
    clock.now += PROGRESS_SECONDS
    progress.apply(AppReady())
    assert sent and sent[0]["phase"] == "testing"


def test_the_flusher_thread_sends_a_held_note() -> None:
    sent: list[dict[str, Any]] = []
    flusher = Flusher()
    try:
        progress = flusher.track(lambda data: sent.append(dict(data)))
        progress.apply(TestsCollected(tests=[TestMeta(name="test_slow")]))
        progress.apply(TestStarted(name="test_slow"))
        deadline = time.monotonic() + 10
        while not any(note["running"] == "test_slow" for note in sent) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert any(note["running"] == "test_slow" for note in sent)
        flusher.done(progress)
        count = len(sent)
        progress.apply(passed("test_slow"))
        time.sleep(PROGRESS_SECONDS * 2)
        assert len(sent) == count  # done: its result says the rest
    finally:
        flusher.stop()
