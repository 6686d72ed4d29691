"""GET /api/v1/challenges: the catalog as JSON."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from proctor.grading.packs import Challenge, UnknownChallenge
from proctor.grading.quiz import load_quiz
from proctor.web.api.responses import errors
from proctor.web.api.schemas import ChallengeDetail, ChallengePublic
from proctor.web.deps import ApiUser, CatalogDep
from proctor.web.kinds import kind_label

router = APIRouter(prefix="/challenges", tags=["challenges"])


def public(c: Challenge) -> ChallengePublic:
    return ChallengePublic(slug=c.slug, title=c.title, sections=c.sections, difficulty=c.difficulty, kind=c.kind,
                           kind_label=kind_label(c.kind),
                           files=c.files, summary=c.summary, minutes=c.minutes)


@router.get("")
def list_challenges(catalog: CatalogDep, user: ApiUser) -> list[ChallengePublic]:
    return [public(c) for c in catalog.all()]


@router.get("/{slug}", responses=errors(404))
def read_challenge(slug: str, catalog: CatalogDep, user: ApiUser) -> ChallengeDetail:
    try:
        c = catalog.get(slug)
    except UnknownChallenge:
        raise HTTPException(404, f"unknown challenge {slug!r}") from None
    return ChallengeDetail(
        **public(c).model_dump(), prompt_markdown=c.prompt(),
        starter_files={k: v.decode("utf-8", "replace") for k, v in c.starter_files().items()},
        given_files={k: v.decode("utf-8", "replace") for k, v in c.given_files().items()},
        quiz=load_quiz(c).model_dump() if c.kind == "quiz" else None)
