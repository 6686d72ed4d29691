"""After a challenge is solved: the next one of its catalog section that the candidate has not solved yet."""

from __future__ import annotations

from proctor.grading.packs import Catalog, Challenge

SOLVED_SCORE = 100.0


def next_unsolved(catalog: Catalog, challenge: Challenge, best: dict[str, float]) -> Challenge | None:
    """The first unsolved challenge after `challenge` in its section (the catalog groups by the lowest section
    number), wrapping round to the ones before it; None when the whole section is solved."""
    section = min(challenge.sections)
    group = [c for c in catalog.all() if min(c.sections) == section]
    slugs = [c.slug for c in group]
    if challenge.slug not in slugs:
        return None
    at = slugs.index(challenge.slug)
    for candidate in group[at + 1:] + group[:at]:
        if best.get(candidate.slug, 0.0) < SOLVED_SCORE:
            return candidate
    return None


def solved_context(catalog: Catalog, challenge: Challenge, best: dict[str, float]) -> dict[str, object]:
    """What the practice header says about the best score: `solved`, and where to go next."""
    solved = best.get(challenge.slug, 0.0) >= SOLVED_SCORE
    return {"solved": solved, "next_challenge": next_unsolved(catalog, challenge, best) if solved else None}
