"""The supervisor's state machine: where a run is, and pure functions from one state to the next.

Nothing here reads a pipe, a clock or a process: the supervisor (supervisor.py) observes, passes what it saw
and the time, and carries out what comes back. So every transition is tested without a sandbox
(tests/grading/test_phases.py), and the rules a run lives by are in one page:

- the platform's clock runs while a sandbox starts (SANDBOX_START_SECONDS, an infra error past it); the
  candidate's wall clock runs from the moment the harness is up, and stops while a crashed app is replaced;
- before the harness is up, a failure is the platform's; before the app first serves, the app's (not gradable,
  OOM); once it served, an app that exits or hangs is replaced, MAX_RESTARTS times at most;
- the first verdict is final: nothing observed after it (a late event, an exit) changes it.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, replace
from enum import StrEnum

from proctor.grading.limits import Limits
from proctor.grading.results import RunStatus

MAX_RESTARTS = 3
# Starting a sandbox is the platform's business: a sandbox slower than this is an infra error.
SANDBOX_START_SECONDS = 60
CGROUP_JOIN_FAILED = 97  # base.JOIN_CGROUPS's exit code


class Phase(StrEnum):
    """The app's side."""

    STARTING = "starting"  # a sandbox is starting; its harness is not up, so a failure is the platform's
    WARM = "warm"  # the harness is up and loading the app; the candidate's clock runs
    SERVING = "serving"  # the app answers on its socket (sealed)
    ENDED = "ended"  # a verdict is in


class GraderPhase(StrEnum):
    """The grader's side."""

    LOADING = "loading"  # collecting the tests
    WAITING = "waiting"  # collected; waits for "go" until the app serves
    TESTING = "testing"  # told "go"
    HELD = "held"  # asked for a restart; waits for "restarted" or "gone"


@dataclass(frozen=True)
class RunState:
    phase: Phase = Phase.STARTING
    grader: GraderPhase = GraderPhase.LOADING
    restarts: int = 0
    started: float = 0.0  # when the current sandbox was started
    deadline: float | None = None  # the candidate's wall clock, once the harness is first up
    status: RunStatus | None = None
    message: str = ""

    @property
    def ended(self) -> bool:
        return self.status is not None


def finish(state: RunState, status: RunStatus, message: str = "") -> RunState:
    """The first verdict wins."""
    if state.ended:
        return state
    return replace(state, phase=Phase.ENDED, status=status, message=message)


def sandbox_started(state: RunState, now: float, *, prewarmed: bool, wall_seconds: float) -> RunState:
    """A (new) sandbox was started; a pooled one arrives with its harness already up."""
    if state.ended:
        return state
    if prewarmed:
        deadline = state.deadline if state.deadline is not None else now + wall_seconds
        return replace(state, phase=Phase.WARM, started=now, deadline=deadline)
    return replace(state, phase=Phase.STARTING, started=now)


def harness_warm(state: RunState, now: float, *, wall_seconds: float) -> RunState:
    """The harness is up: start the candidate's clock, or give back the time a restart took."""
    if state.phase != Phase.STARTING:
        return state
    if state.deadline is None:
        deadline: float | None = now + wall_seconds
    elif state.restarts:
        deadline = state.deadline + (now - state.started)
    else:
        deadline = state.deadline
    return replace(state, phase=Phase.WARM, deadline=deadline)


def app_serving(state: RunState) -> RunState:
    if state.ended or state.phase == Phase.SERVING:
        return state
    return replace(state, phase=Phase.SERVING)


def harness_failed(state: RunState, reason: str, detail: str, limits: Limits) -> RunState:
    """The harness says why the app could not start; believed only for the first start (later the app, which
    shares the pipe, could say anything, and a restart's failure is judged by its exit)."""
    if state.ended or state.phase == Phase.SERVING or state.restarts:
        return state
    if reason == "memory":
        return finish(state, RunStatus.OOM, oom_message(limits) + "\n\n" + detail)
    if reason == "infra":
        return finish(state, RunStatus.INFRA_ERROR, detail)
    return finish(state, RunStatus.NOT_GRADABLE, detail)


def tests_collected(state: RunState) -> RunState:
    if state.grader != GraderPhase.LOADING:
        return state
    return replace(state, grader=GraderPhase.WAITING)


def should_go(state: RunState) -> bool:
    """Whether to tell the grader "go" now: it collected, and the app serves."""
    return not state.ended and state.phase == Phase.SERVING and state.grader == GraderPhase.WAITING


def went(state: RunState) -> RunState:
    return replace(state, grader=GraderPhase.TESTING)


def restart_asked(state: RunState) -> RunState:
    return replace(state, grader=GraderPhase.HELD)


def released(state: RunState) -> RunState:
    """The held grader was told "restarted" or "gone"."""
    return replace(state, grader=GraderPhase.TESTING) if state.grader == GraderPhase.HELD else state


def can_restart(state: RunState) -> bool:
    return not state.ended and state.restarts < MAX_RESTARTS


def restarting(state: RunState) -> RunState:
    return replace(state, restarts=state.restarts + 1)


def sandbox_exited(state: RunState, code: int, *, oom: bool, limits: Limits, output_tail: str) -> RunState:
    """The sandbox ended on its own: a verdict, or (not ended) the caller replaces the app. A sandbox that never
    served is judged by the phase it reached; one that served has failed a test, and is replaced."""
    if state.ended:
        return state
    if oom and state.phase != Phase.SERVING:
        return finish(state, RunStatus.OOM, oom_message(limits))
    if code == CGROUP_JOIN_FAILED:
        return finish(state, RunStatus.INFRA_ERROR, "The sandbox could not join its control group.")
    if state.phase == Phase.STARTING:
        return finish(state, RunStatus.INFRA_ERROR,
                      f"The sandbox failed before the harness started (exit {code}): {output_tail}")
    if state.phase != Phase.SERVING and state.restarts == 0:
        return finish(state, RunStatus.NOT_GRADABLE, exit_message(code))
    return state


def overdue(state: RunState, now: float) -> str | None:
    """Which clock ran out: "wall" (the candidate's), "start" (the platform's), or None."""
    if state.ended:
        return None
    if state.deadline is not None:
        return "wall" if now > state.deadline else None
    return "start" if now > state.started + SANDBOX_START_SECONDS else None


def timed_out(state: RunState, *, collected: bool, wall_seconds: float) -> RunState:
    """The candidate's wall clock ran out: the message says what was still going on."""
    seconds = f"{wall_seconds:g} s"
    if state.phase == Phase.SERVING and not collected:
        message = (f"The hidden tests did not load within the run's {seconds} limit, so the grader was stopped. "
                   "Does a test module loop or wait forever at import time?")
    elif state.phase == Phase.SERVING:
        message = f"The run took longer than its {seconds} limit."
    else:
        message = f"The app did not start within {seconds}. Does something at import time loop or wait forever?"
    return finish(state, RunStatus.TIMEOUT, message)


def oom_message(limits: Limits) -> str:
    return f"Your app used more than its {limits.memory_mib} MiB of memory and was stopped."


def exit_message(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"Your app was killed by {name} while it was starting."
    return (f"Your app exited (exit code {code}) while it was starting, before it could serve a request. "
            "Does your code call exit() or os._exit() at import time?")
