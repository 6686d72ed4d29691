"""How many gradings run at once: set by a CPU budget and a memory budget, not by one thread per core.

Timing challenges spend seconds asleep (a cache's expiry, a background task's delay), so a grading in flight
does not mean a core in use. A worker takes one more job when every running one is covered by memory, and the
machine's CPU, measured over the last moment, has room: `cores` gradings always may run, more while the CPU
is idle enough. An idle wait then holds memory, which is budgeted, and not a core's share of capacity.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


def cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [float(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)  # idle + iowait
    total = sum(fields[:8])
    return total - idle, total


@dataclass
class Budget:
    cores: int
    in_flight_max: int  # the memory budget divided by what one grading may use
    cpu_share: float = 0.85  # start more than `cores` only while the machine is busy less than this

    @classmethod
    def of(cls, *, memory_mib: int, per_grading_mib: int, cores: int | None = None, per_core: int = 4) -> Budget:
        """As many as the memory holds, at least one per core and at most `per_core` per core (each waiting
        thread polls the queue; past a few per core, waits are rarely that long)."""
        cores = cores or os.cpu_count() or 1
        return cls(cores=cores, in_flight_max=max(cores, min(per_core * cores, memory_mib // max(1, per_grading_mib))))


class Admission:
    """Thread-safe gate the workers pass before claiming a job; `release` when the grading ends."""

    def __init__(self, budget: Budget, *, sample: Callable[[], tuple[float, float]] = cpu_times,
                 clock: Callable[[], float] = time.monotonic, window: float = 0.5) -> None:
        self.budget = budget
        self._sample = sample
        self._clock = clock
        self._window = window
        self._lock = threading.Lock()
        self.in_flight = 0
        self._last = (clock(), *sample())
        self._busy = 0.0

    def busy_share(self) -> float:
        """The machine's busy share over the last window or more (refreshed at most once a window)."""
        now = self._clock()
        at, busy, total = self._last
        if now - at >= self._window:
            busy2, total2 = self._sample()
            if total2 > total:
                self._busy = (busy2 - busy) / (total2 - total)
            self._last = (now, busy2, total2)
        return self._busy

    def try_acquire(self) -> bool:
        with self._lock:
            if self.in_flight >= self.budget.in_flight_max:
                return False
            if self.in_flight >= self.budget.cores and self.busy_share() >= self.budget.cpu_share:
                return False
            self.in_flight += 1
            return True

    def release(self) -> None:
        with self._lock:
            self.in_flight = max(0, self.in_flight - 1)
