"""A warm pool for candidates' test suites (kind = "pytest"): pairs of an app sandbox whose harness has imported
FastAPI and a suite process that has imported pytest and run one throwaway session, both waiting.

A grading runs its suite against 2 + N apps, each pair used once and discarded, so a pool of about that size
makes a pack grade in the time its tests take rather than the time two Pythons take to start, 2 + N times. A
pooled suite process has run nothing of any candidate's before it is taken.
"""

from __future__ import annotations

import os
import time

from proctor.grading import protocol
from proctor.grading.jobs import Job
from proctor.grading.packs import Challenge
from proctor.grading.pool import Slot, WarmPool, _await_line
from proctor.grading.sandbox.base import Sandbox, SandboxSpec
from proctor.grading.suite_sandbox import start_suite
from proctor.settings import Settings


class SuitePool(WarmPool):
    def _start_slot(self) -> Slot:
        job = Job.create(self.jobs_dir)
        try:
            spec = SandboxSpec(runtime=self.runtime, src_dir=job.src, work_dir=job.root,
                               listen_fd=job.listener.fileno(), limits=self.limits, uid=self.uid, gid=self.gid,
                               run_id=job.run_id, socket_path=job.socket_path, prestart=True)
            suite = start_suite(job, backend=self.backend.name, venv=self.runtime, limits=self.limits, uid=self.uid,
                                gid=self.gid, warm_up=True)
            try:
                sandbox = self.backend.start(spec)
            except Exception:
                suite.destroy()
                raise
        except Exception:
            job.close()
            raise
        slot = Slot(job, sandbox, suite, time.monotonic())
        deadline = time.monotonic() + 60
        if not (_await_line(sandbox.status, protocol.Warm(), deadline)
                and _await_line(suite.events_r, protocol.Idle(), deadline)):
            slot.discard()
            raise RuntimeError("a pooled app sandbox or suite did not become ready")
        _drain(suite.output)  # the throwaway session's report is not the candidate's output
        return slot


def _drain(fd: int) -> None:
    os.set_blocking(fd, False)
    try:
        while os.read(fd, 65536):
            pass
    except BlockingIOError:
        pass


def start_suite_pool(settings: Settings, backend: Sandbox, challenges: list[Challenge]) -> SuitePool | None:
    """A pool of settings.suite_warm_pool pairs, for the limits of the catalog's first pytest challenge (a
    challenge with other sandbox limits starts its pairs cold), or None."""
    suites = [c for c in challenges if c.kind == "pytest"]
    if settings.suite_warm_pool <= 0 or not suites or backend.name == "docker":
        return None
    return SuitePool(backend, size=settings.suite_warm_pool, jobs_dir=settings.jobs_dir, runtime=settings.runtime_dir,
                     uid=settings.sandbox_uid, gid=settings.sandbox_gid, limits=suites[0].limits)
