"""Challenge prompts: Markdown to safe HTML.

Raw HTML in the source is escaped (html=False) and markdown-it's link validation drops javascript:,
vbscript: and data: URLs (except images), so a prompt cannot inject script into the page.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt


@lru_cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def render_markdown(source: str) -> str:
    return _parser().render(source)


@lru_cache(maxsize=128)
def render_prompt(source: str) -> str:
    """A challenge prompt. Rendering one takes about 2 ms, more than the rest of its page, and the same few
    prompts are shown on every view, so each distinct source is rendered once (it is a pure function)."""
    return render_markdown(source)


@lru_cache(maxsize=128)
def render_challenge_prompt(source: str) -> str:
    """A challenge's prompt under its page's own <h1>: the prompt's leading `# Title` line would repeat it."""
    first, _, rest = source.lstrip("\n").partition("\n")
    return render_prompt(rest if first.startswith("# ") else source)


@lru_cache(maxsize=512)
def render_inline(source: str) -> str:
    """One line of Markdown (a quiz choice) without the enclosing paragraph; the same escaping applies."""
    return _parser().renderInline(source)
