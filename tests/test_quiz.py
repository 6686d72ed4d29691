"""Quiz grading (proctor/grading/quiz.py): scores, per-question messages that never give the key away, and
answers files that are malformed, hostile or huge."""

from __future__ import annotations

import json

import pytest

from proctor.grading.engine import grade
from proctor.grading.packs import Challenge
from proctor.grading.protocol import Finished, ProgressEvent
from proctor.grading.quiz import CORRECT, NOT_QUITE, load_key, load_quiz
from proctor.grading.results import RunStatus
from proctor.grading.submission import SubmissionError
from tests.conftest import SETTINGS

SLUG = "quiz-http-errors"


@pytest.fixture(scope="module")
def quiz(catalog) -> Challenge:
    return catalog.get(SLUG)


@pytest.fixture(scope="module")
def reference(quiz) -> dict[str, object]:
    return json.loads(quiz.reference_files()["answers.json"])


class NoSandbox:
    """A backend and a pool that fail the test if grading a quiz touches them."""

    name = "never"

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"a quiz used the sandbox ({name})")


def run(quiz: Challenge, answers: object, **kwargs: object):
    data = answers if isinstance(answers, bytes) else json.dumps(answers).encode()
    return grade(quiz, {"answers.json": data}, backend=NoSandbox(), pool=NoSandbox(), settings=SETTINGS, **kwargs)  # type: ignore[arg-type]


def test_the_reference_scores_100_without_a_sandbox(quiz, reference):
    result = run(quiz, reference)
    assert (result.status, result.score, result.sandbox) == (RunStatus.GRADED, 100.0, "none")
    assert [t.name for t in result.tests] == [q.id for q in load_quiz(quiz).questions]
    assert all(t.message == CORRECT for t in result.tests)


def test_score_is_points_passed_over_max_points(quiz, reference):
    key = load_key(quiz)
    answers = {**reference, "created": ["a"], "coercion": "a"}  # a 2-point and a 1-point question wrong
    result = run(quiz, answers)
    total = sum(e.points for e in key.questions.values())
    assert result.max_points == total
    assert result.points == total - 3
    assert result.score == round(100 * (total - 3) / total, 2)
    failed = {t.name: t for t in result.tests if t.status == "failed"}
    assert set(failed) == {"created", "coercion"}
    assert failed["created"].max_points == 2 and failed["created"].points == 0


def test_a_multiple_answer_question_counts_only_when_exactly_right(quiz, reference):
    for answer in (["a", "b"], ["a", "b", "c", "d"], ["c", "b", "a"], ["a", "a", "b", "c"]):
        result = run(quiz, {**reference, "created": answer})
        right = set(answer) == {"a", "b", "c"}
        assert (result.score == 100) is right, answer


def test_a_single_choice_may_be_a_string_or_a_list_of_one(quiz, reference):
    assert run(quiz, {**reference, "coercion": ["b"]}).score == 100
    result = run(quiz, {**reference, "coercion": ["a", "b"]})
    assert next(t for t in result.tests if t.name == "coercion").message == "This question takes exactly one answer."


def test_messages_never_give_the_key_away(quiz):
    key = load_key(quiz)
    result = run(quiz, {q: "a" for q in key.questions})
    for t in result.tests:
        assert t.message in (CORRECT, NOT_QUITE)
        entry = key.questions[t.name]
        assert "Correct:" in t.detail and entry.explanation.strip() in t.detail  # interviewers see the key
    candidate_view = json.dumps([{k: v for k, v in t.model_dump().items() if k != "detail"} for t in result.tests])
    for entry in key.questions.values():
        assert entry.explanation.strip()[:40] not in candidate_view


@pytest.mark.parametrize("answer, message", [
    (None, "Not answered."),
    ([], "Not answered."),
    (3, "An answer is a choice id, or a list of choice ids."),
    ({"b": True}, "An answer is a choice id, or a list of choice ids."),
    ([["b"]], "An answer is a choice id, or a list of choice ids."),
    (["b"] * 10_000, "This answer lists more choices than the question has."),
    ("z", "This answer names a choice the question does not have."),
    ("b" * 100_000, "This answer names a choice the question does not have."),
])
def test_a_malformed_answer_fails_its_question_only(quiz, reference, answer, message):
    result = run(quiz, {**reference, "missing-field": answer})
    assert result.status == RunStatus.GRADED
    bad = next(t for t in result.tests if t.name == "missing-field")
    assert (bad.status, bad.message) == ("failed", message)
    assert all(t.status == "passed" for t in result.tests if t.name != "missing-field")


@pytest.mark.parametrize("data, says", [
    (b"{not json", "not valid JSON (line 1"),
    (b"", "not valid JSON"),
    (b'["b", "c"]', "must be a JSON object"),
    (b'"b"', "must be a JSON object"),
    (b"[" * 200_000, "not JSON this quiz can read"),
    (b'{"coercion": ' + b"1" * 5000 + b"}", "not JSON this quiz can read"),
])
def test_an_unreadable_answers_file_is_not_gradable_with_a_reason(quiz, data, says):
    result = run(quiz, data)
    assert result.status == RunStatus.NOT_GRADABLE and result.score == 0
    assert says in result.message
    assert result.tests and all(t.status == "error" and t.points == 0 for t in result.tests)


def test_non_utf8_and_missing_answers_are_explained(quiz):
    with pytest.raises(SubmissionError):  # the submission limits apply to a quiz as to any challenge
        grade(quiz, {"answers.json": b"\xff\xfe{}"}, settings=SETTINGS)
    result = grade(quiz, {"app.py": b"print('hi')"}, settings=SETTINGS)
    assert result.status == RunStatus.NOT_GRADABLE and "no answers.json" in result.message


def test_answers_to_unknown_questions_are_ignored_and_counted(quiz, reference):
    extra = {f"q{i}": "a" for i in range(5000)}
    result = run(quiz, {**reference, **extra, "__proto__": ["a"]})
    assert result.score == 100
    assert result.message == "Ignored 5001 answers to questions this quiz does not have."


def test_a_quiz_has_no_examples_suite(quiz, reference):
    result = run(quiz, reference, suite="examples")
    assert result.status == RunStatus.NOT_GRADABLE and "no examples" in result.message


def test_grading_reports_finished(quiz, reference):
    events: list[ProgressEvent] = []
    run(quiz, reference, on_event=events.append)
    assert events == [Finished(status=RunStatus.GRADED, score=100.0)]
