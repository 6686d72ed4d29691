"""Ordering questions: put every item in the right order, with partial credit for the longest run that is.

    ordering_problem(["a", "b", "c", "d"], ["a", "c", "b", "d"])   # "": every item exactly once
    earned_points(["a", "b", "c", "d"], 4, ["a", "c", "b", "d"])   # (3, 3): "a", "b", "d" keep the key's order

Partial credit is the longest common subsequence of the answer and the key, which for two orderings of the
same items is the longest set of items the answer keeps in the key's relative order: one item moved to the
wrong place costs one item, not every item after it. earned = ⌊points × LCS / n⌋, rounded down so that
partial credit never adds up to more than a fully right answer.
"""

from __future__ import annotations

from collections.abc import Sequence


def longest_common_subsequence(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest subsequence of both (the classic table; n is at most 10 here)."""
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def ordering_problem(items: Sequence[str], answer: object) -> str:
    """Why `answer` is not an ordering of exactly `items`, or "" when it is. Hostile input is expected."""
    if not isinstance(answer, list) or not all(isinstance(i, str) for i in answer):
        return "An ordering answer is a list of every item id, first to last."
    if len(answer) > len(items):
        return "This answer lists more items than the question has."
    if not set(answer) <= set(items):
        return "This answer names an item the question does not have."
    if len(set(answer)) != len(answer):
        return "This answer lists an item more than once."
    if len(answer) != len(items):
        return f"This answer leaves out {len(items) - len(answer)} item(s): list every item exactly once."
    return ""


def earned_points(key: Sequence[str], points: int, answer: Sequence[str]) -> tuple[int, int]:
    """(points earned, LCS length) for a well-formed `answer` (ordering_problem returned "")."""
    common = longest_common_subsequence(answer, key)
    return points * common // len(key), common
