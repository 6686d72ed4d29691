"""Per-question results of an assessment's quizzes, for the interviewer's results page.

For each quiz: its questions, and for each candidate row the status of every question in their best
submission (the latest, among equal scores), so a column of misses shows a question everyone got wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

from proctor.grading.quiz import load_quiz
from proctor.pipeline.lookup import ChallengeLookup
from proctor.review.results_table import Row
from proctor.store import Store, sittings
from proctor.store.assessments import Assessment


@dataclass
class QuizBreakdown:
    slug: str
    questions: list[tuple[str, str]]  # (id, summary)
    statuses: dict[int, dict[str, str]]  # session id → question id → passed / failed / error
    right: dict[str, int]  # question id → candidates who got it right

    def share_right(self, question_id: str) -> str:
        answered = len(self.statuses)
        return f"{self.right.get(question_id, 0)}/{answered}" if answered else "—"


def best_statuses(store: Store, session_id: int, slug: str) -> dict[str, str] | None:
    graded = [s for s in sittings.session_submissions(store, session_id=session_id, challenge=slug)
              if s.status == "done" and s.score is not None and s.result]
    if not graded:
        return None
    best = max(graded, key=lambda s: (s.score or 0.0, s.id))
    return {t.get("name", ""): t.get("status", "") for t in (best.result or {}).get("tests", [])}


def quiz_breakdowns(store: Store, lookup: ChallengeLookup, assessment: Assessment,
                    rows: list[Row]) -> list[QuizBreakdown]:
    found = []
    for slug in assessment.challenges:
        if lookup.kind(slug) != "quiz":
            continue
        quiz = load_quiz(lookup.get(slug))
        breakdown = QuizBreakdown(slug, [(q.id, q.summary) for q in quiz.questions], {}, {})
        for row in rows:
            statuses = best_statuses(store, row.session.id, slug)
            if statuses is None:
                continue
            breakdown.statuses[row.session.id] = statuses
            for qid, status in statuses.items():
                breakdown.right[qid] = breakdown.right.get(qid, 0) + (status == "passed")
        found.append(breakdown)
    return found
