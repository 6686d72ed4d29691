"""Ordering questions (proctor/grading/ordering.py and quiz.py): partial credit for the longest run of items in
the key's relative order, ⌊points × LCS / n⌋, and answers that are not an ordering of every item."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from proctor.grading.engine import grade
from proctor.grading.ordering import earned_points, longest_common_subsequence, ordering_problem
from proctor.grading.packs import Challenge, load_challenge
from proctor.grading.quiz import CORRECT, load_key, load_quiz, quiz_problems
from proctor.grading.results import RunStatus
from tests.conftest import SETTINGS

SLUG = "quiz-foundations"
QUESTION = "request-lifecycle"


@pytest.fixture(scope="module")
def quiz(catalog) -> Challenge:
    return catalog.get(SLUG)


@pytest.fixture(scope="module")
def reference(quiz) -> dict[str, object]:
    return json.loads(quiz.reference_files()["answers.json"])


@pytest.fixture(scope="module")
def key_order(quiz) -> list[str]:
    return list(load_key(quiz).questions[QUESTION].correct)


def lifecycle(quiz: Challenge, answers: dict[str, object], order: object):
    result = grade(quiz, {"answers.json": json.dumps({**answers, QUESTION: order}).encode()}, settings=SETTINGS)
    assert result.status == RunStatus.GRADED
    return result, next(t for t in result.tests if t.name == QUESTION)


@pytest.mark.parametrize("answer, expected", [
    ("abcdef", 6),   # the key's order
    ("fedcba", 1),   # reversed: any one item is "in order" with itself
    ("bacdef", 5),   # two neighbours swapped
    ("bcdefa", 5),   # the first moved to the end costs one item, not all of them
    ("cfaebd", 3),   # a, b, d
    ("fcebda", 2),
    ("", 0),
])
def test_longest_common_subsequence(answer, expected):
    assert longest_common_subsequence(list(answer), list("abcdef")) == expected


def test_points_are_rounded_down_so_partial_never_reaches_full():
    key = list("abcdefgh")
    assert earned_points(key, 4, key) == (4, 8)
    assert earned_points(key, 4, list("abcdefhg")) == (3, 7)  # 4 × 7/8 = 3.5
    assert earned_points(key, 4, list("hgfedcba")) == (0, 1)  # 4 × 1/8 = 0.5
    assert earned_points(key, 8, list("badcfehg")) == (4, 4)


def test_the_key_order_earns_every_point(quiz, reference, key_order):
    result, test = lifecycle(quiz, reference, key_order)
    assert (result.score, test.status, test.message, test.points, test.max_points) == (100.0, "passed", CORRECT, 4, 4)


def test_one_item_out_of_place_earns_partial_credit(quiz, reference, key_order):
    moved = key_order[1:3] + key_order[:1] + key_order[3:]  # the first step moved to third: 7 of 8 in order
    result, test = lifecycle(quiz, reference, moved)
    assert (test.status, test.points, test.max_points) == ("failed", 3, 4)
    assert test.message == "Not quite. 7 of 8 items keep the right order to each other."
    assert result.points == result.max_points - 1 and result.score < 100


def test_reversed_and_shuffled_orders(quiz, reference, key_order):
    _, reversed_ = lifecycle(quiz, reference, key_order[::-1])
    assert (reversed_.status, reversed_.points) == ("failed", 0)
    shuffled = [key_order[i] for i in (4, 5, 6, 7, 0, 1, 2, 3)]  # two halves swapped: 4 of 8 in order
    _, half = lifecycle(quiz, reference, shuffled)
    assert (half.points, half.message) == (2, "Not quite. 4 of 8 items keep the right order to each other.")


def test_the_order_as_shown_earns_at_most_half(quiz, reference):
    shown = load_quiz(quiz).questions
    as_listed = next(q for q in shown if q.id == QUESTION).choice_ids()
    _, test = lifecycle(quiz, reference, as_listed)
    assert test.points <= 2


@pytest.mark.parametrize("mangle, message", [
    (lambda k: k[:-1], "This answer leaves out 1 item(s): list every item exactly once."),
    (lambda k: k[:-1] + k[:1], "This answer lists an item more than once."),
    (lambda k: k + k[:1], "This answer lists more items than the question has."),
    (lambda k: k[:-1] + ["teleport"], "This answer names an item the question does not have."),
    (lambda k: k * 1000, "This answer lists more items than the question has."),
    (lambda k: " ".join(k), "An ordering answer is a list of every item id, first to last."),
    (lambda k: [k], "An ordering answer is a list of every item id, first to last."),
    (lambda k: {i: n for n, i in enumerate(k)}, "An ordering answer is a list of every item id, first to last."),
    (lambda k: [], "Not answered."),
    (lambda k: None, "Not answered."),
])
def test_an_answer_that_is_not_an_ordering_of_every_item_fails_with_a_reason(quiz, reference, key_order, mangle,
                                                                            message):
    result, test = lifecycle(quiz, reference, mangle(key_order))
    assert (test.status, test.points, test.message) == ("failed", 0, message)
    assert all(t.status == "passed" for t in result.tests if t.name != QUESTION)  # only this question fails


def test_ordering_problem_accepts_exactly_a_permutation():
    assert ordering_problem(["a", "b"], ["b", "a"]) == ""
    assert ordering_problem(["a", "b"], ["a", "a"]) != ""


def test_interviewers_see_the_key_in_order(quiz, reference, key_order):
    _, test = lifecycle(quiz, reference, key_order[::-1])
    assert f"Correct: {', '.join(key_order)}." in test.detail
    assert f"Answered: {', '.join(key_order[::-1])}." in test.detail


def copy_pack(tmp_path: Path, source: Challenge) -> tuple[Path, Path]:
    shutil.copytree(source.root, tmp_path / "challenges" / source.slug)
    shutil.copytree(source.grader_root, tmp_path / "graders" / source.slug)
    return tmp_path / "challenges" / source.slug / "quiz.toml", tmp_path / "graders" / source.slug / "key.toml"


def test_quiz_problems_name_an_unsound_ordering_question(tmp_path, quiz, key_order):
    quiz_file, key_file = copy_pack(tmp_path, quiz)
    key_file.write_text(key_file.read_text().replace(json.dumps(key_order).replace('","', '", "'),
                                                     json.dumps(key_order[:-1]).replace('","', '", "')))
    problems = quiz_problems(load_challenge(tmp_path / "challenges", tmp_path / "graders", SLUG))
    assert any(QUESTION in p and "exactly once" in p for p in problems), problems


def test_quiz_problems_reject_items_shown_in_the_key_order(tmp_path, quiz, key_order):
    quiz_file, _ = copy_pack(tmp_path, quiz)
    text = quiz_file.read_text()
    start, end = text.index('  { id = "serialize"'), text.index(']', text.index('  { id = "middleware-out"'))
    lines = {line.split('"')[1]: line for line in text[start:end].strip("\n").splitlines()}
    quiz_file.write_text(text[:start] + "\n".join(lines[i] for i in key_order) + "\n" + text[end:])
    problems = quiz_problems(load_challenge(tmp_path / "challenges", tmp_path / "graders", SLUG))
    assert any(QUESTION in p and "shuffle" in p for p in problems), problems


def test_quiz_problems_reject_a_multiple_ordering_question(tmp_path, quiz):
    quiz_file, _ = copy_pack(tmp_path, quiz)
    quiz_file.write_text(quiz_file.read_text().replace('kind = "ordering"', 'kind = "ordering"\nmultiple = true'))
    problems = quiz_problems(load_challenge(tmp_path / "challenges", tmp_path / "graders", SLUG))
    assert any(QUESTION in p and "multiple" in p for p in problems), problems


def test_an_unknown_question_kind_is_a_pack_error(tmp_path, quiz):
    quiz_file, _ = copy_pack(tmp_path, quiz)
    quiz_file.write_text(quiz_file.read_text().replace('kind = "ordering"', 'kind = "ranking"'))
    problems = quiz_problems(load_challenge(tmp_path / "challenges", tmp_path / "graders", SLUG))
    assert len(problems) == 1 and "quiz.toml" in problems[0] and "kind" in problems[0]
