"""Quizzes: choice and ordering questions, graded here in trusted platform code.

    quiz = load_quiz(challenge)                                   # what the candidate sees
    result = grade_quiz(challenge, {"answers.json": b'{"blocking-sleep": "b"}'})

A quiz needs no sandbox: the answers are data, parsed and compared, never run. The answer key
(graders/<slug>/key.toml) is read only by `grade_quiz` and `quiz_problems`; pages render a `Quiz`, which has
no field that could hold an answer. docs/challenge-format.md documents quiz.toml, key.toml and answers.json.
"""

from __future__ import annotations

import hashlib
import json
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from proctor import __version__
from proctor.grading.ordering import earned_points, longest_common_subsequence, ordering_problem
from proctor.grading.packs import SLUG, Challenge, PackError
from proctor.grading.protocol import Finished, ProgressEvent
from proctor.grading.results import RunResult, RunStatus, TestResult, TestStatus, compute_score
from proctor.grading.submission import check_files

QUIZ_FILE = "quiz.toml"
KEY_FILE = "key.toml"
ANSWERS_FILE = "answers.json"
CORRECT = "Correct."
NOT_QUITE = "Not quite."
DESCRIPTION_CHARS = 120


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=SLUG.pattern)
    text: str = Field(min_length=1)


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=SLUG.pattern)
    text: str = Field(min_length=1)  # Markdown
    sections: list[int] = Field(min_length=1)
    kind: Literal["choice", "ordering"] = "choice"  # ordering: put every choice (an item) in the right order
    multiple: bool = False  # checkboxes (choose every correct one) rather than radio buttons
    choices: list[Choice] = Field(min_length=2, max_length=10)  # an ordering question's items, as shown

    @field_validator("choices")
    @classmethod
    def _unique(cls, v: list[Choice]) -> list[Choice]:
        if len({c.id for c in v}) != len(v):
            raise ValueError("choice ids repeat")
        return v

    @property
    def summary(self) -> str:
        """The question's last paragraph outside code blocks (where the question itself usually is), short
        enough to label its result."""
        paragraphs, current, fenced = [], [], False
        for line in self.text.strip().splitlines():
            if line.lstrip().startswith("```"):
                fenced = not fenced
            elif not fenced and line.strip():
                current.append(line.strip())
                continue
            if current:
                paragraphs.append(" ".join(current))
                current = []
        text = " ".join(current) if current else (paragraphs[-1] if paragraphs else self.id)
        return text if len(text) <= DESCRIPTION_CHARS else text[:DESCRIPTION_CHARS - 1].rstrip() + "…"

    def choice_ids(self) -> list[str]:
        return [c.id for c in self.choices]


class Quiz(BaseModel):
    """challenges/<slug>/quiz.toml: the questions and their choices, and nothing about which are right."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    questions: list[Question] = Field(min_length=1, max_length=50)

    @field_validator("questions")
    @classmethod
    def _unique(cls, v: list[Question]) -> list[Question]:
        if len({q.id for q in v}) != len(v):
            raise ValueError("question ids repeat")
        return v


class KeyEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    correct: list[str] = Field(min_length=1)
    points: int = Field(1, ge=1, le=100)
    explanation: str = ""


class AnswerKey(BaseModel):
    """graders/<slug>/key.toml: per question id, the correct choices, the points and an explanation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    questions: dict[str, KeyEntry]


def _load_toml(path: Path, model: type[BaseModel]) -> Any:
    try:
        return model.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError, ValueError) as exc:
        raise PackError(f"{path}: {exc}") from exc


def load_quiz(challenge: Challenge) -> Quiz:
    quiz: Quiz = _load_toml(challenge.root / QUIZ_FILE, Quiz)
    return quiz


def load_key(challenge: Challenge) -> AnswerKey:
    key: AnswerKey = _load_toml(challenge.grader_root / KEY_FILE, AnswerKey)
    return key


def quiz_problems(challenge: Challenge) -> list[str]:
    """Everything static that makes a quiz pack unsound, as sentences (check_pack then grades its cases)."""
    try:
        quiz, key = load_quiz(challenge), load_key(challenge)
    except PackError as exc:
        return [str(exc)]
    problems = []
    if challenge.files != [ANSWERS_FILE]:
        problems.append(f'a quiz\'s files are ["{ANSWERS_FILE}"]')
    tagged: set[int] = set()
    for q in quiz.questions:
        tagged |= set(q.sections)
        if not set(q.sections) <= set(challenge.sections):
            problems.append(f"{q.id}: sections {q.sections} are not all in challenge.toml's {challenge.sections}")
        entry = key.questions.get(q.id)
        if entry is None:
            problems.append(f"{q.id}: no entry in {KEY_FILE}")
            continue
        unknown = sorted(set(entry.correct) - set(q.choice_ids()))
        if unknown:
            problems.append(f"{q.id}: the key names choices the question does not have: {', '.join(unknown)}")
        if q.kind == "ordering":
            problems += ordering_key_problems(q, entry)
        elif not q.multiple and len(set(entry.correct)) != 1:
            problems.append(f"{q.id}: a single-answer question needs exactly one correct choice")
    untagged = sorted(set(challenge.sections) - tagged)
    if untagged:
        problems.append(f"no question is tagged with section(s) {untagged} of challenge.toml")
    extra = sorted(set(key.questions) - {q.id for q in quiz.questions})
    if extra:
        problems.append(f"{KEY_FILE} has entries for questions the quiz does not have: {', '.join(extra)}")
    return problems


def ordering_key_problems(question: Question, entry: KeyEntry) -> list[str]:
    """An ordering key lists every item once; the items as shown must be far enough from it that leaving
    them as they are (the page always submits some order) earns at most half the question."""
    if question.multiple:
        return [f"{question.id}: an ordering question cannot be `multiple`"]
    if sorted(entry.correct) != sorted(question.choice_ids()):
        return [f"{question.id}: an ordering key lists every item of the question exactly once"]
    if longest_common_subsequence(question.choice_ids(), entry.correct) * 2 > len(entry.correct):
        return [f"{question.id}: the items as listed are already more than half in order: shuffle them"]
    return []


class Unreadable(Exception):
    """The answers file as a whole cannot be graded; the message says why, for the candidate."""


def parse_answers(data: bytes) -> dict[str, Any]:
    """The answers object, or Unreadable. Hostile input is expected: nothing here trusts its shape."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable(f"{ANSWERS_FILE} is not UTF-8 text.") from None
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Unreadable(f"{ANSWERS_FILE} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                         f"{exc.msg}).") from None
    except (ValueError, RecursionError):  # integers too long to convert, or nesting deeper than the stack
        raise Unreadable(f"{ANSWERS_FILE} is not JSON this quiz can read.") from None
    if not isinstance(parsed, dict):
        raise Unreadable(f"{ANSWERS_FILE} must be a JSON object mapping question ids to choice ids, "
                         'e.g. {"question-id": "a"}.')
    return parsed


def judge(question: Question, entry: KeyEntry, answer: object) -> tuple[bool, str, list[str]]:
    """(right, message for the candidate, the choices they named). Messages never say which choice is right."""
    if answer is None or answer == [] or answer == "":
        return False, "Not answered.", []
    chosen = [answer] if isinstance(answer, str) else answer
    if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
        return False, "An answer is a choice id, or a list of choice ids.", []
    if len(chosen) > len(question.choices):
        return False, "This answer lists more choices than the question has.", []
    if not set(chosen) <= set(question.choice_ids()):
        return False, "This answer names a choice the question does not have.", []
    picked = sorted(set(chosen))
    if not question.multiple and len(picked) > 1:
        return False, "This question takes exactly one answer.", picked
    right = set(picked) == set(entry.correct)
    return right, CORRECT if right else NOT_QUITE, picked


def judge_ordering(entry: KeyEntry, answer: object) -> tuple[int, str, list[str]]:
    """(points earned, message for the candidate, the order they gave), partial credit as in ordering.py."""
    if answer is None or answer == [] or answer == "":
        return 0, "Not answered.", []
    problem = ordering_problem(entry.correct, answer)
    if problem:
        return 0, problem, []
    assert isinstance(answer, list)
    earned, common = earned_points(entry.correct, entry.points, answer)
    if common == len(entry.correct):
        return earned, CORRECT, answer
    return earned, f"{NOT_QUITE} {common} of {len(entry.correct)} items keep the right order to each other.", answer


def detail_for(entry: KeyEntry, picked: list[str], *, ordered: bool = False) -> str:
    """For interviewers only (`detail` is removed from what candidates receive)."""
    correct = entry.correct if ordered else sorted(entry.correct)
    lines = [f"Answered: {', '.join(picked) or '(nothing)'}. Correct: {', '.join(correct)}."]
    if entry.explanation:
        lines.append(entry.explanation.strip())
    return "\n".join(lines)


def key_sha256(challenge: Challenge) -> str:
    """Both files decide a verdict: the key, and the question file whose choice ids it names."""
    digest = hashlib.sha256()
    for path in (challenge.root / QUIZ_FILE, challenge.grader_root / KEY_FILE):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def grade_quiz(challenge: Challenge, files: dict[str, bytes], *, suite: str = "hidden",
               on_event: Callable[[ProgressEvent], None] | None = None) -> RunResult:
    """Grade answers.json against the key: one test per question, worth its key's points.

    Raises SubmissionError for files over the submission limits and PackError for a broken pack, as the
    sandboxed engine does; anything wrong with the answers themselves ends in a RunResult.
    """
    started = time.monotonic()
    check_files(files)
    quiz, key = load_quiz(challenge), load_key(challenge)
    tests: list[TestResult] = []
    status, message = RunStatus.GRADED, ""
    try:
        if suite != "hidden":
            raise Unreadable("A quiz has no examples to run: submit your answers to have them graded.")
        if ANSWERS_FILE not in files:
            raise Unreadable(f"Your submission has no {ANSWERS_FILE}, which this quiz needs.")
        answers = parse_answers(files[ANSWERS_FILE])
    except Unreadable as exc:
        status, message, answers = RunStatus.NOT_GRADABLE, str(exc), {}
    for q in quiz.questions:
        entry = key.questions[q.id]
        if status == RunStatus.NOT_GRADABLE:
            tests.append(TestResult(name=q.id, description=q.summary, status=TestStatus.ERROR, points=0,
                                    max_points=entry.points, message="Not graded: the answers could not be read."))
            continue
        if q.kind == "ordering":
            earned, said, picked = judge_ordering(entry, answers.get(q.id))
            right = earned == entry.points
        else:
            right, said, picked = judge(q, entry, answers.get(q.id))
            earned = entry.points if right else 0
        tests.append(TestResult(name=q.id, description=q.summary,
                                status=TestStatus.PASSED if right else TestStatus.FAILED,
                                points=earned, max_points=entry.points, message=said,
                                detail=detail_for(entry, picked, ordered=q.kind == "ordering")))
    ignored = len(set(answers) - {q.id for q in quiz.questions})
    if ignored:
        message = f"Ignored {ignored} answer{'s' if ignored != 1 else ''} to questions this quiz does not have."
    score, points, max_points = compute_score(tests)
    if status == RunStatus.NOT_GRADABLE:
        score, points = 0.0, 0
    result = RunResult(
        challenge=challenge.slug, suite=suite, status=status, score=score, points=points, max_points=max_points,
        tests=tests, sandbox="none", duration_ms=int((time.monotonic() - started) * 1000), message=message,
        limits=challenge.limits, versions={"proctor": __version__}, graders_sha256=key_sha256(challenge))
    if on_event:
        on_event(Finished(status=result.status, score=result.score))
    return result
