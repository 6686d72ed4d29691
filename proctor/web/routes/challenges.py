"""The challenge page: prompt, editor, drafts, and the two buttons that queue a run."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from proctor.grading.packs import Catalog, Challenge
from proctor.grading.submission import MAX_TOTAL_BYTES
from proctor.pipeline.intake import hold_message
from proctor.store import Store, drafts, practice, submissions
from proctor.web.auth import login_url, signup_url
from proctor.web.csrf import verify_csrf
from proctor.web.deps import CatalogDep, CurrentUser, StoreDep, find_challenge, load_user
from proctor.web.markdown import render_challenge_prompt
from proctor.web.next_challenge import SOLVED_SCORE, solved_context
from proctor.web.page_route import PageRoute
from proctor.web.routes.submissions import status_context
from proctor.web.sections import guide_link, section_title
from proctor.web.state import state_of
from proctor.web.submit import accept_submission
from proctor.web.templating import is_htmx, render, render_cached

router = APIRouter(tags=["pages"], dependencies=[Depends(verify_csrf)])  # the forms; the page is `routes`


def decode(files: dict[str, bytes]) -> dict[str, str]:
    return {name: data.decode("utf-8", "replace") for name, data in files.items()}


def form_files(filename: list[str], content: list[str]) -> dict[str, str]:
    if len(filename) != len(content):
        raise HTTPException(422, "Each file needs a name and a content.")
    return dict(zip(filename, content, strict=True))


async def show_challenge(request: Request) -> Response:
    # A plain Starlette route, like the catalog: async, its one indexed read on the event loop (docs/decisions.md).
    user = load_user(request)
    store, catalog, settings = state_of(request).store, state_of(request).catalog, state_of(request).settings
    slug = request.path_params["slug"]
    challenge = find_challenge(catalog, slug)
    if challenge.kind == "quiz":
        return RedirectResponse(f"/quizzes/{slug}", status_code=303)
    sections = [(n, section_title(n), guide_link(settings.guide_url, n)) for n in challenge.sections]
    if user is None:
        # A visitor reads the prompt and the starter; the page cache keys on the viewer, so this variant and
        # a signed-in one never mix.
        def read_only() -> dict[str, object]:
            here = request.url.path
            return {"challenge": challenge, "prompt_html": render_challenge_prompt(challenge.prompt()),
                    "files": decode(challenge.starter_files()), "given": decode(challenge.given_files()),
                    "sections": sections, "login_href": login_url(here), "signup_href": signup_url(here)}

        return render_cached(request, "challenge.html", ("challenge", id(catalog), slug), read_only,
                             block="workspace")
    seen = practice.state(store, user_id=user.id, challenge=slug)
    solved = solved_note(store, catalog, challenge, user_id=user.id, best=seen.best)
    # A finished submission never changes again; a queued or running one is rendered fresh each time.
    key = None if seen.latest_id and seen.latest_status != "done" else (
        "challenge", id(catalog), slug, seen, solved["next_challenge"] and solved["next_challenge"].slug)

    def context() -> dict[str, object]:
        draft = json.loads(seen.draft_json) if seen.draft_json else None
        latest = submissions.get(store, submission_id=seen.latest_id, user_id=user.id) if seen.latest_id else None
        # The challenge's own files first (a Dockerfile before its .dockerignore), then the rest of the starter.
        files = {**dict.fromkeys(challenge.files, ""), **decode(challenge.starter_files()), **(draft or {})}
        return {
            "challenge": challenge, "prompt_html": render_challenge_prompt(challenge.prompt()),
            "files": files, "given": decode(challenge.given_files()), "has_draft": draft is not None,
            "sections": sections, "best": seen.best, **solved,
            "hold": seen.hold, "hold_message": hold_message(seen.hold) if seen.hold else "",
            **(status_context(request, latest) if latest else {"submission": None}),
        }

    return render_cached(request, "challenge.html", key, context, block="workspace")


routes = [PageRoute("/challenges/{slug}", show_challenge)]


def solved_note(store: Store, catalog: Catalog, challenge: Challenge, *, user_id: int,
                best: float | None) -> dict[str, Any]:
    """The practice header's "Solved" note; the other challenges' scores are read only once this one is."""
    if best is None or best < SOLVED_SCORE:
        return {"solved": False, "next_challenge": None}
    return solved_context(catalog, challenge, submissions.best_scores(store, user_id=user_id))


@router.post("/challenges/{slug}/draft")
def save_draft(request: Request, slug: str, store: StoreDep, catalog: CatalogDep, user: CurrentUser,
               filename: Annotated[list[str], Form()], content: Annotated[list[str], Form()]) -> Response:
    challenge = find_challenge(catalog, slug)
    files = form_files(filename, content)
    given = challenge.given_files()
    files = {k: v for k, v in files.items() if k not in given}
    if sum(len(v.encode()) for v in files.values()) > MAX_TOTAL_BYTES:
        raise HTTPException(413, "This draft is over the size limit, so it was not saved.")
    drafts.save(store, user_id=user.id, challenge=slug, files=files)
    if is_htmx(request):
        return render(request, "_draft_status.html", {"saved": True})
    return RedirectResponse(f"/challenges/{slug}", status_code=303)


@router.post("/challenges/{slug}/reset")
def reset_draft(request: Request, slug: str, store: StoreDep, catalog: CatalogDep, user: CurrentUser) -> Response:
    find_challenge(catalog, slug)
    drafts.delete(store, user_id=user.id, challenge=slug)
    return RedirectResponse(f"/challenges/{slug}", status_code=303)


@router.post("/challenges/{slug}/submissions")
def create_submission(request: Request, slug: str, store: StoreDep, catalog: CatalogDep, user: CurrentUser,
                      filename: Annotated[list[str], Form()], content: Annotated[list[str], Form()],
                      suite: Annotated[str, Form()] = "hidden") -> Response:
    challenge = find_challenge(catalog, slug)
    files = form_files(filename, content)
    submission = accept_submission(request, user=user, challenge=challenge, suite=suite,
                                   files={k: v.encode("utf-8", "surrogateescape") for k, v in files.items()})
    drafts.save(store, user_id=user.id, challenge=slug,
                files={k: v for k, v in files.items() if k not in challenge.given_files()})
    if is_htmx(request):
        return render(request, "_submission_status.html", status_context(request, submission))
    return RedirectResponse(f"/submissions/{submission.id}", status_code=303)
