"""After a challenge is solved: what to practise next, first from its own catalog section."""

from __future__ import annotations

from proctor.grading.packs import Catalog, Challenge

SOLVED_SCORE = 100.0


def next_unsolved(catalog: Catalog, challenge: Challenge, best: dict[str, float]) -> Challenge | None:
    """The next unsolved challenge of `challenge`'s section (the catalog groups by the lowest section number),
    wrapping round; when that section is all solved, the next unsolved one in catalog order; None when every
    challenge is solved."""
    ordered = catalog.all()
    slugs = [c.slug for c in ordered]
    if challenge.slug not in slugs:
        return None
    at = slugs.index(challenge.slug)
    after = ordered[at + 1:] + ordered[:at]
    section = min(challenge.sections)
    same_section = [c for c in after if min(c.sections) == section]
    for candidate in same_section + after:
        if best.get(candidate.slug, 0.0) < SOLVED_SCORE:
            return candidate
    return None


def solved_context(catalog: Catalog, challenge: Challenge, best: dict[str, float]) -> dict[str, object]:
    """What the practice header says about the best score: `solved`, and where to go next."""
    solved = best.get(challenge.slug, 0.0) >= SOLVED_SCORE
    return {"solved": solved, "next_challenge": next_unsolved(catalog, challenge, best) if solved else None}
