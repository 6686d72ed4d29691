"""Live progress of the gradings in flight: what a candidate's panel shows while the tests run.

Every note is a write for the web node's one SQLite writer (embedded workers write it; `proctor worker` publishes
it and the web node writes it), so a grading sends at most one note per PROGRESS_SECONDS, which is also how
often the panel polls. The note that says how many tests there are goes at once. What the throttle holds back
goes out with the next note, or from `Flusher`, a thread that sends a held note once its time has come: a slow
test still shows as running. A grading faster than PROGRESS_SECONDS sends one note; its result says the rest.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from proctor.grading.protocol import AppReady, ProgressEvent, TestFinished, TestsCollected, TestStarted

PROGRESS_SECONDS = 0.2
Clock = Callable[[], float]
Send = Callable[[dict[str, Any]], None]


class Progress:
    """Turns one grading's events into the progress JSON the live panel reads, and sends it when due."""

    def __init__(self, send: Send, clock: Clock = time.monotonic) -> None:
        self.data: dict[str, Any] = {"phase": "starting", "total": None, "done": 0, "running": None, "tests": []}
        self._send = send
        self._clock = clock
        self._sent_at = clock()  # the queue showed "running" when the grading began
        self._held = False
        self._closed = False
        self._lock = threading.Lock()

    def apply(self, event: ProgressEvent) -> None:
        with self._lock:
            if self._closed or not self._update(event):
                return
            if isinstance(event, TestsCollected) or self._due():
                self._send_now()
            else:
                self._held = True

    def flush(self) -> None:
        """Send what the throttle held back, once its time has come."""
        with self._lock:
            if self._held and not self._closed and self._due():
                self._send_now()

    def close(self) -> None:
        """The grading is over: its result replaces any progress, so nothing more is sent."""
        with self._lock:
            self._closed = True

    def _due(self) -> bool:
        return self._clock() - self._sent_at >= PROGRESS_SECONDS

    def _send_now(self) -> None:
        self._held = False
        self._sent_at = self._clock()
        self._send(self.data)

    def _update(self, event: ProgressEvent) -> bool:
        if isinstance(event, AppReady):
            self.data["phase"] = "testing"
        elif isinstance(event, TestsCollected):
            self.data["total"] = len(event.tests)
            self.data["phase"] = "testing"
        elif isinstance(event, TestStarted):
            self.data["running"] = event.name
        elif isinstance(event, TestFinished):
            # detail is staff only, and only in the final result
            self.data["tests"].append(event.result.model_dump(mode="json", exclude={"detail"}))
            self.data["done"] = len(self.data["tests"])
            self.data["running"] = None
        else:
            return False
        return True


class Flusher:
    """One thread per process that sends every grading's held-back note when it is due."""

    def __init__(self) -> None:
        self._live: set[Progress] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def track(self, send: Send) -> Progress:
        progress = Progress(send)
        with self._lock:
            self._live.add(progress)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="proctor-progress", daemon=True)
                self._thread.start()
        return progress

    def done(self, progress: Progress) -> None:
        progress.close()
        with self._lock:
            self._live.discard(progress)

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(PROGRESS_SECONDS / 4):
            with self._lock:
                live = list(self._live)
            for progress in live:
                try:
                    progress.flush()
                except Exception:  # noqa: BLE001 - progress is a courtesy; the grading goes on without it
                    pass
