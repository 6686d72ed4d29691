"""Starting grading in a process: choose the sandbox, sweep what a dead engine left, warm the pools, start the
workers. The web server's lifespan calls `start` and `Grading.stop`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from proctor.grading.engine import grade, grader_isolation
from proctor.grading.grader_fork import GraderForks
from proctor.grading.limits import DEFAULT_LIMITS
from proctor.grading.pool import WarmPool
from proctor.grading.results import RunResult
from proctor.grading.sandbox import Sandbox, SandboxUnavailable, choose_backend
from proctor.grading.sandbox.fork_start import ForkSandbox
from proctor.grading.suite_pool import SuitePool, start_suite_pool
from proctor.pipeline.admission import Admission, Budget
from proctor.pipeline.janitor import sweep
from proctor.pipeline.lookup import ChallengeLookup
from proctor.pipeline.validation import ValidationRunner
from proctor.pipeline.worker import Workers
from proctor.settings import Settings
from proctor.store import Store
from proctor.store.submissions import Submission

log = logging.getLogger(__name__)


@dataclass
class Grading:
    backend: Sandbox
    workers: Workers
    warm: WarmPool | None
    suites: SuitePool | None
    grader_forks: GraderForks | None = None

    def stop(self) -> None:
        self.workers.stop()
        if self.warm:
            self.warm.close()
        if self.suites:
            self.suites.close()
        if isinstance(self.backend, ForkSandbox):
            self.backend.close()
        if self.grader_forks:
            self.grader_forks.close()


def with_start_mode(backend: Sandbox, settings: Settings) -> Sandbox:
    """bwrap from a fork server where settings allow and it works here; any other backend as it is."""
    if backend.name != "bwrap" or settings.sandbox_start == "cold":
        return backend
    forked = ForkSandbox(venv=settings.runtime_dir, uid=settings.sandbox_uid, gid=settings.sandbox_gid)
    problem = forked.available()
    if problem is None:
        return forked
    if settings.sandbox_start == "fork":
        raise SandboxUnavailable(f"PROCTOR_SANDBOX_START=fork: {problem}")
    log.info("bwrap sandboxes start cold: %s", problem)
    return backend


def grading_budget(settings: Settings) -> Budget:
    """In flight: what the memory budget holds, at least one per core; PROCTOR_WORKERS caps it."""
    per_grading = DEFAULT_LIMITS.memory_mib + settings.grader_memory_mib
    memory = settings.grading_memory_mib or os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2 // 2**20
    budget = Budget.of(memory_mib=memory, per_grading_mib=per_grading)
    if settings.workers:
        budget = Budget(cores=min(budget.cores, settings.workers), in_flight_max=settings.workers)
    return budget


def start(settings: Settings, store: Store, lookup: ChallengeLookup, *, local_single_user: bool,
          on_finished: Callable[[Submission, RunResult, float], None] | None = None) -> Grading:
    """Raises SandboxUnavailable when no sandbox works here: then nothing can be graded."""
    backend, warning = choose_backend(settings.sandbox, local_single_user=local_single_user,
                                      docker_socket_root=settings.docker_socket_root,
                                      allow_process=settings.allow_process_sandbox)
    if warning:
        log.warning(warning)
    backend = with_start_mode(backend, settings)
    log.info("%s", sweep(settings, docker=backend.name == "docker"))
    warm = None
    if settings.warm_pool > 0:
        warm = WarmPool(backend, size=settings.warm_pool, jobs_dir=settings.jobs_dir, runtime=settings.runtime_dir,
                        uid=settings.sandbox_uid, gid=settings.sandbox_gid, grader_isolation=grader_isolation(settings))
    suites = start_suite_pool(settings, backend, lookup.all())
    # Where apps start from a fork server, graders of the catalog's packs do too (docs/decisions.md).
    forks = GraderForks(grader_isolation(settings), settings.jobs_dir) if isinstance(backend, ForkSandbox) else None
    budget = grading_budget(settings)
    workers = Workers(store=store, catalog=lookup, backend=backend, count=budget.in_flight_max,
                         admission=Admission(budget), lease_seconds=settings.grading_lease_seconds,
                         grade=lambda *a, **kw: grade(*a, settings=settings, pool=warm, suite_pool=suites,
                                                       grader_forks=forks, **kw),
                         on_finished=on_finished,
                         validations=ValidationRunner(store, settings=settings, backend=backend))
    workers.start()
    return Grading(backend, workers, warm, suites, forks)
