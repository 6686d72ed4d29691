"""Quiz pages: a practice quiz from the catalog, and a quiz inside a timed session.

The questions are a form of radio buttons and checkboxes (an ordering question: position selects, see
quiz_ordering.py); the chosen answers travel as the one file a quiz takes, answers.json, through the same
drafts, snapshots, queue and results as code. These pages render `Quiz` (the public questions) and never load
the answer key. In a session a quiz is submitted once: with per-question feedback and unlimited submissions it
could be solved by trying every choice.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from proctor.grading.packs import Catalog, Challenge
from proctor.grading.quiz import ANSWERS_FILE, Quiz, load_quiz
from proctor.pipeline.intake import hold_message
from proctor.store import drafts, sittings, snapshots, submissions
from proctor.store.assessments import Assessment
from proctor.store.database import now
from proctor.store.sittings import Sitting
from proctor.store.submissions import Submission
from proctor.web.auth import login_url, signup_url
from proctor.web.csrf import verify_csrf
from proctor.web.deps import CatalogDep, CurrentUser, IdPath, OptionalUser, SettingsDep, StoreDep, find_challenge
from proctor.web.markdown import render_challenge_prompt, render_inline, render_prompt
from proctor.web.quiz_answers import AnsweredQuestion, answered_questions, chosen_ids
from proctor.web.quiz_ordering import ordering_choices, ordering_from_form
from proctor.web.routes.challenges import solved_note
from proctor.web.routes.sittings import (
    base_context,
    keep_snapshot,
    own_session,
    panel_context,
    require_open,
    scores_visible,
    session_challenge,
)
from proctor.web.routes.submissions import status_context
from proctor.web.sections import guide_link, section_title
from proctor.web.state import state_of
from proctor.web.submit import accept_submission
from proctor.web.templating import is_htmx, render

router = APIRouter(dependencies=[Depends(verify_csrf)], tags=["pages"])
Answers = dict[str, list[str]]


async def read_form(request: Request) -> FormData:
    # Field names depend on the quiz (one per question), so the handlers read the whole form.
    return await request.form()


FormDep = Annotated[FormData, Depends(read_form)]


def find_quiz(catalog: Catalog, slug: str) -> Challenge:
    challenge = find_challenge(catalog, slug)
    if challenge.kind != "quiz":
        raise HTTPException(404, f"“{slug}” is a coding challenge, not a quiz.")
    return challenge


def field_name(question_id: str) -> str:
    return f"answer-{question_id}"


def answers_from_form(quiz: Quiz, form: FormData) -> Answers:
    """Only the quiz's own questions and choices: whatever else a form carries is dropped here."""
    answers = {}
    for q in quiz.questions:
        if q.kind == "ordering":
            order = ordering_from_form(q, form)
            if order:
                answers[q.id] = order
            continue
        valid = q.choice_ids()
        picked = {v for v in form.getlist(field_name(q.id)) if isinstance(v, str) and v in valid}
        if picked:
            answers[q.id] = [c for c in valid if c in picked]
    return answers


def answers_file(answers: Answers) -> dict[str, str]:
    # The same answers always give the same text, so the deadline's "already submitted?" check compares equal.
    return {ANSWERS_FILE: json.dumps(answers, indent=1)}


def questions_context(quiz: Quiz, answers: Answers,
                      verdicts: list[AnsweredQuestion] | None = None) -> list[dict[str, Any]]:
    by_id = {v.id: v for v in verdicts or []}
    return [{"id": q.id, "html": render_prompt(q.text), "multiple": q.multiple, "kind": q.kind,
             "verdict": by_id.get(q.id),
             "choices": ordering_choices(q, answers.get(q.id, [])) if q.kind == "ordering" else
             [{"id": c.id, "html": render_inline(c.text), "checked": c.id in answers.get(q.id, [])}
              for c in q.choices]} for q in quiz.questions]


def graded_verdicts(challenge: Challenge, submission: Submission | None, *, explain: bool,
                    guide_url: str = "") -> list[AnsweredQuestion]:
    """Each question's verdict in a graded submission (none before it is graded)."""
    if submission is None or submission.status != "done" or submission.result_status != "graded":
        return []
    return answered_questions(challenge, submission.files, submission.result, explain=explain, guide_url=guide_url)


@router.get("/quizzes/{slug}")
def show_quiz(request: Request, slug: str, store: StoreDep, catalog: CatalogDep, settings: SettingsDep,
              user: OptionalUser) -> Response:
    challenge = find_quiz(catalog, slug)
    sections = [(n, section_title(n), guide_link(settings.guide_url, n)) for n in challenge.sections]
    if user is None:  # a visitor reads the questions, with the way to sign in and answer them
        here = request.url.path
        return render(request, "quiz.html", {
            "challenge": challenge, "questions": questions_context(load_quiz(challenge), {}), "locked": True,
            "prompt_html": render_challenge_prompt(challenge.prompt()), "sections": sections,
            "login_href": login_url(here), "signup_href": signup_url(here)}, block="workspace")
    draft = drafts.get(store, user_id=user.id, challenge=slug)
    latest = submissions.list_for(store, user_id=user.id, challenge=slug, suite=None, limit=1)
    best = submissions.best_scores(store, user_id=user.id).get(slug)
    hold = sittings.holding(store, user_id=user.id, challenge=slug)
    context = {
        "challenge": challenge,
        "questions": questions_context(load_quiz(challenge), chosen_ids(draft), graded_verdicts(
            challenge, latest[0] if latest else None, explain=True, guide_url=settings.guide_url)),
        "hold": hold, "hold_message": hold_message(hold) if hold else "",
        "has_draft": draft is not None, "locked": False, "prompt_html": render_challenge_prompt(challenge.prompt()),
        "sections": sections, "best": best, **solved_note(store, catalog, challenge, user_id=user.id, best=best),
        **(status_context(request, latest[0]) if latest else {"submission": None}),
    }
    return render(request, "quiz.html", context, block="workspace")


@router.post("/quizzes/{slug}/draft")
def save_quiz_draft(request: Request, slug: str, store: StoreDep, catalog: CatalogDep, user: CurrentUser,
                    form: FormDep) -> Response:
    challenge = find_quiz(catalog, slug)
    drafts.save(store, user_id=user.id, challenge=slug,
                files=answers_file(answers_from_form(load_quiz(challenge), form)))
    if is_htmx(request):
        return render(request, "_draft_status.html", {"saved": True})
    return RedirectResponse(f"/quizzes/{slug}", status_code=303)


@router.post("/quizzes/{slug}/submissions")
def submit_quiz(request: Request, slug: str, store: StoreDep, catalog: CatalogDep, user: CurrentUser,
                form: FormDep) -> Response:
    challenge = find_quiz(catalog, slug)
    files = answers_file(answers_from_form(load_quiz(challenge), form))
    submission = accept_submission(request, user=user, challenge=challenge, suite="hidden",
                                   files={k: v.encode() for k, v in files.items()})
    drafts.save(store, user_id=user.id, challenge=slug, files=files)
    if is_htmx(request):
        return render(request, "_submission_status.html", status_context(request, submission))
    return RedirectResponse(f"/submissions/{submission.id}", status_code=303)


def require_unsubmitted(request: Request, session_id: int, slug: str) -> None:
    if sittings.session_submissions(state_of(request).store, session_id=session_id, challenge=slug):
        raise HTTPException(409, "You have submitted this quiz, so its answers are locked.")


def session_quiz_context(request: Request, session: Sitting, assessment: Assessment,
                         challenge: Challenge) -> dict[str, Any]:
    store = state_of(request).store
    latest = snapshots.latest(store, sitting_id=session.id, challenge=challenge.slug)
    subs = sittings.session_submissions(store, session_id=session.id, challenge=challenge.slug)
    index = assessment.challenges.index(challenge.slug)
    return {**base_context(session, assessment), "challenge": challenge,
            "prompt_html": render_challenge_prompt(challenge.prompt()),
            "questions": questions_context(
                load_quiz(challenge), chosen_ids(latest.files if latest else None),
                graded_verdicts(challenge, subs[-1] if subs and scores_visible(session, assessment) else None,
                                explain=False)),
            "has_draft": latest is not None, "locked": bool(subs), "position": index + 1,
            "next_slug": (assessment.challenges + [None])[index + 1],
            **(panel_context(session, assessment, subs[-1]) if subs else {"submission": None})}


@router.get("/sittings/{session_id}/quizzes/{slug}")
def show_session_quiz(request: Request, session_id: IdPath, slug: str, store: StoreDep, user: CurrentUser) -> Response:
    session, assessment = own_session(request, store, session_id, user)
    if not session.open_at(now()):
        return RedirectResponse(f"/sittings/{session.id}", status_code=303)
    challenge = session_challenge(request, assessment, slug, kind="quiz")
    sittings.record_event(store, session_id=session.id, challenge=slug, kind="opened", once=True)
    return render(request, "sitting_quiz.html", session_quiz_context(request, session, assessment, challenge),
                  block="workspace")


@router.post("/sittings/{session_id}/quizzes/{slug}/draft")
def save_session_quiz_draft(request: Request, session_id: IdPath, slug: str, store: StoreDep, user: CurrentUser,
                            form: FormDep) -> Response:
    session, assessment = own_session(request, store, session_id, user)
    require_open(session)
    challenge = session_challenge(request, assessment, slug, kind="quiz")
    require_unsubmitted(request, session.id, slug)
    answers = answers_from_form(load_quiz(challenge), form)
    if keep_snapshot(request, session, slug, answers_file(answers)) and answers:
        sittings.record_event(store, session_id=session.id, challenge=slug, kind="first edit", once=True)
    if is_htmx(request):
        return render(request, "_draft_status.html", {"saved": True})
    return RedirectResponse(f"/sittings/{session.id}/quizzes/{slug}", status_code=303)


@router.post("/sittings/{session_id}/quizzes/{slug}/submissions")
def submit_session_quiz(request: Request, session_id: IdPath, slug: str, store: StoreDep, user: CurrentUser,
                        form: FormDep) -> Response:
    session, assessment = own_session(request, store, session_id, user)
    require_open(session)
    challenge = session_challenge(request, assessment, slug, kind="quiz")
    require_unsubmitted(request, session.id, slug)
    files = answers_file(answers_from_form(load_quiz(challenge), form))
    accept_submission(request, user=user, challenge=challenge, suite="hidden",
                      files={k: v.encode() for k, v in files.items()}, sitting_id=session.id, once=True)
    keep_snapshot(request, session, slug, files)
    if is_htmx(request):  # the whole workspace: the answers are locked now, and the panel follows the grading
        return render(request, "sitting_quiz.html", session_quiz_context(request, session, assessment, challenge),
                      block="workspace")
    return RedirectResponse(f"/sittings/{session.id}/quizzes/{slug}", status_code=303)
