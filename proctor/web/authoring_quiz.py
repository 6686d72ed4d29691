"""A quiz written in the authoring form: its quiz.toml and key.toml as typed, read here with the quiz's own models
(grading/quiz.py) so a mistake is reported in the form, by field and line, before anything is stored.

    quiz_text_problems(quiz_toml, key_toml)   # [] or sentences such as "Questions (quiz.toml), line 3: ..."
    reference_answers(quiz_toml, key_toml)    # the answers.json that scores 100, from the key
"""

from __future__ import annotations

import json
import tomllib
from typing import Any

from pydantic import BaseModel, ValidationError

from proctor.grading.quiz import AnswerKey, Quiz
from proctor.web.sections import SECTION_TITLES

QUESTIONS = "Questions (quiz.toml)"
KEY = "Answer key (key.toml)"


def _read(text: str, model: type[BaseModel], label: str) -> tuple[Any, list[str]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [f"{label} is not valid TOML: {exc}"]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [f"{label}: {'.'.join(str(p) for p in e['loc']) or 'the file'}: {e['msg']}"
                      for e in exc.errors()[:10]]


def parsed(quiz_text: str, key_text: str) -> tuple[Quiz | None, AnswerKey | None, list[str]]:
    quiz, problems = _read(quiz_text, Quiz, QUESTIONS)
    key, more = _read(key_text, AnswerKey, KEY)
    return quiz, key, problems + more


def quiz_text_problems(quiz_text: str, key_text: str) -> list[str]:
    """Syntax and shape; the pack's own checks (quiz_problems: every question keyed, ordering keys) follow."""
    quiz, _, problems = parsed(quiz_text, key_text)
    for q in quiz.questions if quiz else []:
        if not set(q.sections) <= set(SECTION_TITLES):
            problems.append(f"{QUESTIONS}: {q.id}: sections are guide sections, "
                            f"{min(SECTION_TITLES)} to {max(SECTION_TITLES)}")
    return problems


def quiz_sections(quiz_text: str) -> list[int]:
    """The guide sections the questions are tagged with: the challenge's own (quiz_problems checks they agree)."""
    quiz, _ = _read(quiz_text, Quiz, QUESTIONS)
    return sorted({s for q in quiz.questions for s in q.sections}) if quiz else [1]


def reference_answers(quiz_text: str, key_text: str) -> str:
    quiz, key, problems = parsed(quiz_text, key_text)
    if quiz is None or key is None:
        return "{}\n"
    answers: dict[str, Any] = {}
    for q in quiz.questions:
        entry = key.questions.get(q.id)
        if entry is not None:
            single = q.kind == "choice" and not q.multiple
            answers[q.id] = entry.correct[0] if single else list(entry.correct)
    return json.dumps(answers, indent=2) + "\n"
