"""Quiz pages: a practice quiz from the catalog, and a quiz inside a timed session.

The questions are a form of radio buttons and checkboxes; the chosen answers travel as the one file a quiz
takes, answers.json, through the same drafts, snapshots, queue and results as code. These pages render
`Quiz` (the public questions) and never load the answer key. In a session a quiz is submitted once: with
per-question feedback and unlimited submissions it could be solved by trying every choice.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from proctor.grading.packs import Catalog, Challenge
from proctor.grading.quiz import ANSWERS_FILE, Quiz, Unreadable, load_quiz, parse_answers
from proctor.store import assessment_sessions, drafts, snapshots, submissions
from proctor.store.assessment_sessions import AssessmentSession
from proctor.store.assessments import Assessment
from proctor.store.database import now
from proctor.web.csrf import verify_csrf
from proctor.web.deps import CatalogDep, CurrentUser, IdPath, SettingsDep, StoreDep, find_challenge
from proctor.web.intake import accept_submission
from proctor.web.markdown import render_inline, render_prompt
from proctor.web.routes.sittings import (base_context, own_session, panel_context, require_open,
                                         session_challenge)
from proctor.web.routes.submissions import status_context
from proctor.web.sections import guide_link, section_title
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
        valid = q.choice_ids()
        picked = {v for v in form.getlist(field_name(q.id)) if isinstance(v, str) and v in valid}
        if picked:
            answers[q.id] = [c for c in valid if c in picked]
    return answers


def answers_file(answers: Answers) -> dict[str, str]:
    # The same answers always give the same text, so the deadline's "already submitted?" check compares equal.
    return {ANSWERS_FILE: json.dumps(answers, indent=1)}


def saved_answers(files: dict[str, str] | None) -> Answers:
    """The choices in a saved draft; a draft that is not a readable answers object (saved through the API or
    the code editor, say) shows as unanswered rather than failing the page."""
    try:
        parsed = parse_answers((files or {}).get(ANSWERS_FILE, "{}").encode("utf-8", "replace"))
    except Unreadable:
        return {}
    answers = {}
    for qid, value in parsed.items():
        values = [value] if isinstance(value, str) else value
        if isinstance(values, list):
            answers[qid] = [v for v in values if isinstance(v, str)]
    return answers


def questions_context(quiz: Quiz, answers: Answers) -> list[dict[str, Any]]:
    return [{"id": q.id, "html": render_prompt(q.text), "multiple": q.multiple,
             "choices": [{"id": c.id, "html": render_inline(c.text), "checked": c.id in answers.get(q.id, [])}
                         for c in q.choices]} for q in quiz.questions]


@router.get("/quizzes/{slug}")
def show_quiz(request: Request, slug: str, store: StoreDep, catalog: CatalogDep, settings: SettingsDep,
              user: CurrentUser) -> Response:
    challenge = find_quiz(catalog, slug)
    draft = drafts.get(store, user_id=user.id, challenge=slug)
    latest = submissions.list_for(store, user_id=user.id, challenge=slug, suite=None, limit=1)
    context = {
        "challenge": challenge, "questions": questions_context(load_quiz(challenge), saved_answers(draft)),
        "has_draft": draft is not None, "locked": False, "prompt_html": render_prompt(challenge.prompt()),
        "sections": [(n, section_title(n), guide_link(settings.guide_url, n)) for n in challenge.sections],
        "best": submissions.best_scores(store, user_id=user.id).get(slug),
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
    if assessment_sessions.session_submissions(request.app.state.store, session_id=session_id, challenge=slug):
        raise HTTPException(409, "You have submitted this quiz, so its answers are locked.")


def session_quiz_context(request: Request, session: AssessmentSession, assessment: Assessment,
                         challenge: Challenge) -> dict[str, Any]:
    store = request.app.state.store
    latest = snapshots.latest(store, assessment_session_id=session.id, challenge=challenge.slug)
    subs = assessment_sessions.session_submissions(store, session_id=session.id, challenge=challenge.slug)
    index = assessment.challenges.index(challenge.slug)
    return {**base_context(session, assessment), "challenge": challenge,
            "prompt_html": render_prompt(challenge.prompt()),
            "questions": questions_context(load_quiz(challenge), saved_answers(latest.files if latest else None)),
            "has_draft": latest is not None, "locked": bool(subs), "position": index + 1,
            "next_slug": (assessment.challenges + [None])[index + 1],
            **(panel_context(session, assessment, subs[-1]) if subs else {"submission": None})}


@router.get("/sessions/{session_id}/quizzes/{slug}")
def show_session_quiz(request: Request, session_id: IdPath, slug: str, store: StoreDep, user: CurrentUser) -> Response:
    session, assessment = own_session(request, store, session_id, user)
    if not session.open_at(now()):
        return RedirectResponse(f"/sessions/{session.id}", status_code=303)
    challenge = session_challenge(request, assessment, slug, kind="quiz")
    assessment_sessions.record_event(store, session_id=session.id, challenge=slug, kind="opened", once=True)
    return render(request, "sitting_quiz.html", session_quiz_context(request, session, assessment, challenge),
                  block="workspace")


@router.post("/sessions/{session_id}/quizzes/{slug}/draft")
def save_session_quiz_draft(request: Request, session_id: IdPath, slug: str, store: StoreDep, user: CurrentUser,
                            form: FormDep) -> Response:
    session, assessment = own_session(request, store, session_id, user)
    require_open(session)
    challenge = session_challenge(request, assessment, slug, kind="quiz")
    require_unsubmitted(request, session.id, slug)
    answers = answers_from_form(load_quiz(challenge), form)
    if snapshots.save(store, assessment_session_id=session.id, challenge=slug, files=answers_file(answers)) \
            and answers:
        assessment_sessions.record_event(store, session_id=session.id, challenge=slug, kind="first edit", once=True)
    if is_htmx(request):
        return render(request, "_draft_status.html", {"saved": True})
    return RedirectResponse(f"/sessions/{session.id}/quizzes/{slug}", status_code=303)


@router.post("/sessions/{session_id}/quizzes/{slug}/submissions")
def submit_session_quiz(request: Request, session_id: IdPath, slug: str, store: StoreDep, user: CurrentUser,
                        form: FormDep) -> Response:
    session, assessment = own_session(request, store, session_id, user)
    require_open(session)
    challenge = session_challenge(request, assessment, slug, kind="quiz")
    require_unsubmitted(request, session.id, slug)
    files = answers_file(answers_from_form(load_quiz(challenge), form))
    accept_submission(request, user=user, challenge=challenge, suite="hidden",
                      files={k: v.encode() for k, v in files.items()}, assessment_session_id=session.id, once=True)
    snapshots.save(store, assessment_session_id=session.id, challenge=slug, files=files)
    if is_htmx(request):  # the whole workspace: the answers are locked now, and the panel follows the grading
        return render(request, "sitting_quiz.html", session_quiz_context(request, session, assessment, challenge),
                      block="workspace")
    return RedirectResponse(f"/sessions/{session.id}/quizzes/{slug}", status_code=303)
