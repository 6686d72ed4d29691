"""How a candidate spent a challenge's time: active editing, large pastes, time away from the tab.

The wall-clock span from first open to the deadline's auto-submit says little about effort. Autosave stores a
snapshot every few seconds while the code changes, so the gaps between snapshots (and submissions) show when
the candidate was working: a gap longer than IDLE_AFTER counts as IDLE_AFTER, since they were reading or away.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from proctor.store.activity import Activity

IDLE_AFTER = 120.0  # seconds


@dataclass(frozen=True)
class Effort:
    active_seconds: float
    pastes: int
    pasted_chars: int
    times_away: int
    seconds_away: float
    timeline: list[tuple[float, str]]


def active_seconds(times: Iterable[float]) -> float:
    ordered = sorted(times)
    return sum(min(b - a, IDLE_AFTER) for a, b in zip(ordered, ordered[1:], strict=False))


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"


def effort(work_times: Iterable[float], events: list[Activity]) -> Effort:
    """`work_times`: when snapshots and submissions were saved; `events`: the browser's reports, oldest first."""
    ordered = sorted(work_times)
    # A long pause goes on the timeline too, so the active time can be read off it.
    timeline: list[tuple[float, str]] = [
        (a, f"no edits for {minutes(b - a)} (at most {minutes(IDLE_AFTER)} of it counted as active)")
        for a, b in zip(ordered, ordered[1:], strict=False) if b - a > IDLE_AFTER]
    pastes = pasted = away = 0
    seconds_away = 0.0
    left_at: float | None = None
    for e in events:
        if e.kind == "paste":
            pastes += 1
            pasted += e.chars or 0
            timeline.append((e.at, f"pasted {e.chars or 'some'} characters"))
        elif e.kind == "left":
            away += 1
            left_at = e.at if left_at is None else left_at
            timeline.append((e.at, "left the tab"))
        elif e.kind == "returned":
            gone = e.at - left_at if left_at is not None else 0.0
            seconds_away += gone
            left_at = None
            timeline.append((e.at, f"came back to the tab (away {minutes(gone)})"))
    return Effort(active_seconds(ordered), pastes, pasted, away, seconds_away, timeline)
