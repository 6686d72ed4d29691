"""Warm pools: sandboxes and graders started ahead of their submissions.

A slot is a job directory with an empty submission folder, a sandbox whose harness has already imported
FastAPI and uvicorn and waits for its go, and a grader process that has imported pytest and httpx and waits
for its spec. A slot serves exactly one submission and is then discarded; a background thread refills the
pool. Only runs whose sandbox-level limits match the pool's use it; the rest start cold.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from proctor.grading import protocol
from proctor.grading.grader_process import GraderIsolation, GraderProcess, resolve_isolation, start_grader
from proctor.grading.jobs import Job
from proctor.grading.limits import DEFAULT_LIMITS, Limits
from proctor.grading.sandbox.base import Sandbox, SandboxProcess, SandboxSpec

log = logging.getLogger(__name__)

MAX_AGE_SECONDS = 300.0
# Limits the engine applies itself; the rest are fixed when the sandbox starts.
ENGINE_SIDE = {"test_seconds", "output_bytes", "message_bytes"}


def sandbox_key(limits: Limits) -> tuple[object, ...]:
    return tuple(v for k, v in sorted(limits.model_dump().items()) if k not in ENGINE_SIDE)


@dataclass
class Slot:
    job: Job
    sandbox: SandboxProcess
    grader: GraderProcess
    born: float

    def usable(self) -> bool:
        return (self.sandbox.poll() is None and self.grader.alive()
                and time.monotonic() - self.born < MAX_AGE_SECONDS)

    def discard(self) -> None:
        self.sandbox.destroy()
        self.grader.destroy()  # its session and its cgroup: whatever it started goes too
        self.job.close()


class WarmPool:
    def __init__(self, backend: Sandbox, *, size: int, jobs_dir: Path, runtime: Path, uid: int, gid: int,
                 limits: Limits = DEFAULT_LIMITS, grader_isolation: GraderIsolation | None = None) -> None:
        self.backend = backend
        self.size = size
        self.jobs_dir = jobs_dir
        self.runtime = runtime
        self.uid, self.gid = uid, gid
        self.grader_isolation = grader_isolation or resolve_isolation("auto", uid=uid, gid=gid)
        self.limits = limits
        self.key = sandbox_key(limits)
        self._slots: list[Slot] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._refill, name="proctor-warm-pool", daemon=True)
        self._thread.start()
        self._wake.set()

    def take(self, limits: Limits) -> Slot | None:
        """A ready slot for a run with these limits, or None (then the run starts cold)."""
        if sandbox_key(limits) != self.key:
            return None
        while True:
            with self._lock:
                slot = self._slots.pop(0) if self._slots else None
            self._wake.set()
            if slot is None:
                return None
            if slot.usable():
                return slot
            slot.discard()

    def ready_count(self) -> int:
        with self._lock:
            return len(self._slots)

    def wait_ready(self, timeout: float = 30.0) -> bool:
        """Block until the pool is full (for benchmarks and tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready_count() >= self.size:
                return True
            time.sleep(0.02)
        return False

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        self._thread.join(timeout=10)
        with self._lock:
            slots, self._slots = self._slots, []
        for slot in slots:
            slot.discard()

    def _start_slot(self) -> Slot:
        job = Job.create(self.jobs_dir)
        try:
            spec = SandboxSpec(runtime=self.runtime, src_dir=job.src, work_dir=job.root,
                               listen_fd=job.listener.fileno(), limits=self.limits, uid=self.uid, gid=self.gid,
                               run_id=job.run_id, socket_path=job.socket_path, prestart=True)
            grader = start_grader(job.root, warm_up=True, isolation=self.grader_isolation)
            try:
                sandbox = self.backend.start(spec)
            except Exception:
                grader.destroy()
                raise
        except Exception:
            job.close()
            raise
        slot = Slot(job, sandbox, grader, time.monotonic())
        # Offer it once both sides are warm, consuming just their announcements ("warm" and "idle").
        deadline = time.monotonic() + 60
        if not (_await_line(sandbox.status, protocol.Warm(), deadline)
                and _await_line(grader.events_r, protocol.Idle(), deadline)):
            slot.discard()
            raise RuntimeError("a pooled sandbox or grader did not become ready")
        return slot

    def _refill(self) -> None:
        failures = 0
        while not self._closed:
            self._wake.wait(timeout=5)
            self._wake.clear()
            while not self._closed and self.ready_count() < self.size:
                try:
                    slot = self._start_slot()
                    failures = 0
                except Exception:  # the pool is an optimisation; cold runs still work
                    failures += 1
                    log.exception("could not start a warm sandbox")
                    time.sleep(min(30.0, 0.5 * 2**failures))
                    continue
                with self._lock:
                    self._slots.append(slot)
            with self._lock:  # recycle slots that died or grew old while waiting
                stale = [s for s in self._slots if not s.usable()]
                self._slots = [s for s in self._slots if s.usable()]
            for slot in stale:
                slot.discard()


def _await_line(fd: int, wanted: protocol.Warm | protocol.Idle, deadline: float) -> bool:
    """Read fd one byte at a time (so nothing after the line is consumed) until the line that is `wanted`."""
    line = bytearray()
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        byte = os.read(fd, 1)
        if not byte:
            return False
        if byte == b"\n":
            if _reads_as(bytes(line), wanted):
                return True
            line.clear()
        else:
            line += byte
    return False


def _reads_as(line: bytes, wanted: protocol.Warm | protocol.Idle) -> bool:
    if isinstance(wanted, protocol.Warm):
        return protocol.read_status(line) == wanted
    try:
        return protocol.read_event(line) == wanted
    except protocol.ProtocolError:
        return False
