"""A submitted quiz as a person reads it: each question (Markdown), the chosen choices' text, and its verdict.

    questions = answered_questions(challenge, submission.files, result, explain=True, guide_url="")

The verdict comes from the graded result (one test per question id). Explanations live in the answer key, so
they are read only when `explain` is set: after grading, in practice. In an assessment the interviewer's score
visibility decides whether verdicts show, and explanations never do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from proctor.grading.packs import Challenge, PackError
from proctor.grading.quiz import ANSWERS_FILE, Unreadable, load_key, load_quiz, parse_answers
from proctor.web.markdown import render_inline, render_markdown, render_prompt
from proctor.web.sections import guide_link, section_title


@dataclass
class AnsweredQuestion:
    id: str
    html: str
    chosen: list[str]  # the chosen choices' text, as inline HTML
    status: str | None = None  # passed / failed / error; None when the verdict is not shown
    message: str = ""
    explanation_html: str = ""
    sections: list[tuple[int, str, str]] = field(default_factory=list)  # (number, title, link)


def chosen_ids(files: dict[str, str] | None) -> dict[str, list[str]]:
    """Question id → the choice ids named in answers.json; anything unreadable counts as unanswered."""
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


def answered_questions(challenge: Challenge, files: dict[str, str] | None, result: dict[str, Any] | None, *,
                       explain: bool, guide_url: str) -> list[AnsweredQuestion]:
    quiz = load_quiz(challenge)
    answers = chosen_ids(files)
    verdicts = {t.get("name"): t for t in (result or {}).get("tests", []) if isinstance(t, dict)}
    key = None
    if explain and result is not None:
        try:
            key = load_key(challenge)
        except PackError:
            key = None
    found = []
    for q in quiz.questions:
        picked = set(answers.get(q.id, []))
        verdict = verdicts.get(q.id, {})
        entry = key.questions.get(q.id) if key else None
        found.append(AnsweredQuestion(
            id=q.id, html=render_prompt(q.text),
            chosen=[render_inline(c.text) for c in q.choices if c.id in picked],
            status=verdict.get("status") if result is not None else None, message=verdict.get("message", ""),
            explanation_html=render_markdown(entry.explanation) if entry and entry.explanation else "",
            sections=[(n, section_title(n), guide_link(guide_url, n)) for n in q.sections] if key else []))
    return found
