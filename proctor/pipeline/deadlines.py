"""The deadline sweep: a thread that locks expired sessions and submits their last drafts.

It runs in every server process whether or not a browser is open, so a candidate who closed the tab still
has their work submitted at the deadline. Pages also sweep their own session on access, so the lock never
waits for the next tick.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from proctor.store import Store, sittings

log = logging.getLogger(__name__)


class DeadlineSweeper:
    def __init__(self, store: Store, *, interval: float = 5.0, on_submitted: Callable[[], None] | None = None) -> None:
        self.store = store
        self.interval = interval
        self.on_submitted = on_submitted
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="proctor-deadlines", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(2.0)

    def sweep_once(self) -> list[int]:
        created = sittings.sweep(self.store)
        if created:
            log.info("deadline sweep queued %d submissions", len(created))
            if self.on_submitted:
                self.on_submitted()
        return created

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sweep_once()
            except Exception:
                log.exception("the deadline sweep failed; it runs again at the next tick")
