"""The dashboard's per-topic mastery chart, drawn as SVG on the server (no chart library)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from proctor.grading.packs import Challenge
from proctor.web.sections import section_title

BAR_HEIGHT = 22
GAP = 10
CHAR_WIDTH = 8  # a generous average for 13px sans-serif, so the longest topic title is never cut off
BAR_WIDTH = 300


@dataclass(frozen=True)
class TopicMastery:
    section: int
    title: str
    percent: float  # the mean best score over the topic's challenges (unattempted ones count as 0)
    solved: int
    total: int
    kinds: dict[str, int]  # how many of the topic's challenges are of each kind ("http", "pytest", "static", "quiz")


def topic_mastery(challenges: list[Challenge], best: dict[str, float]) -> list[TopicMastery]:
    by_topic: dict[int, list[Challenge]] = {}
    for c in challenges:
        for section in c.sections:
            by_topic.setdefault(section, []).append(c)
    rows = []
    for section, members in sorted(by_topic.items()):
        scores = [best.get(c.slug, 0.0) for c in members]
        kinds: dict[str, int] = {}
        for c in members:
            kinds[c.kind] = kinds.get(c.kind, 0) + 1
        rows.append(TopicMastery(section, section_title(section), sum(scores) / len(scores),
                                 sum(1 for s in scores if s >= 100), len(members), kinds))
    return rows


def mastery_svg(rows: list[TopicMastery]) -> str:
    height = max(1, len(rows)) * (BAR_HEIGHT + GAP)
    labels = [f"§{r.section} {r.title}" for r in rows]
    label_width = CHAR_WIDTH * max(map(len, labels), default=0) + 12
    width = label_width + BAR_WIDTH + 60
    summary = "; ".join(f"{label}: {r.percent:.0f}%" for r, label in zip(rows, labels, strict=True)) or "no topics yet"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'class="mastery" aria-labelledby="mastery-title"><title id="mastery-title">Mastery by topic: '
             f'{escape(summary)}</title>']
    for i, (r, label) in enumerate(zip(rows, labels, strict=True)):
        y = i * (BAR_HEIGHT + GAP)
        filled = BAR_WIDTH * r.percent / 100
        parts.append(
            f'<text x="0" y="{y + 16}" class="mastery-label">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" class="mastery-track"/>'
            f'<rect x="{label_width}" y="{y}" width="{filled:.1f}" height="{BAR_HEIGHT}" class="mastery-bar"/>'
            f'<text x="{label_width + BAR_WIDTH + 8}" y="{y + 16}" class="mastery-value">{r.percent:.0f}%</text>')
    parts.append("</svg>")
    return "".join(parts)
