"""Ordering questions on the quiz pages: one position select per item, read back into an ordered answer.

The form carries `position-<question>-<item>` = 1..n for every item. That works without JavaScript;
static/ordering.js only keeps the positions distinct (choosing a taken position swaps the two) and redraws the
list in order. Without it two items may share a position: they then keep the order the page listed them in, and
the page shows the order that was saved, so nothing the candidate sees differs from what is graded.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from proctor.grading.quiz import Question
from proctor.web.markdown import render_inline


def position_field(question_id: str, item_id: str) -> str:
    return f"position-{question_id}-{item_id}"


def ordering_from_form(question: Question, form: FormData) -> list[str] | None:
    """The items by chosen position; None when any item has no position in 1..n (not answered)."""
    items = question.choice_ids()
    positions = []
    for index, item in enumerate(items):
        value = form.get(position_field(question.id, item))
        if not isinstance(value, str) or not value.isdecimal() or not 1 <= int(value) <= len(items):
            return None
        positions.append((int(value), index, item))
    return [item for _, _, item in sorted(positions)]


def ordering_choices(question: Question, saved: list[str]) -> list[dict[str, Any]]:
    """The items in the saved order (as listed when nothing valid is saved), each with its position."""
    listed = question.choice_ids()
    order = saved if sorted(saved) == sorted(listed) and len(set(saved)) == len(saved) else listed
    text = {c.id: c.text for c in question.choices}
    return [{"id": item, "html": render_inline(text[item]), "position": n, "field": position_field(question.id, item)}
            for n, item in enumerate(order, start=1)]
