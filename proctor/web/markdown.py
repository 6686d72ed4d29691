"""Challenge prompts: Markdown to safe HTML.

Raw HTML in the source is escaped (html=False) and markdown-it's link validation drops javascript:,
vbscript: and data: URLs (except images), so a prompt cannot inject script into the page. Images load only
from this site (or inline data: images): one from another host would tell that host who opened the prompt
and when (a tracking pixel in an assessment's intro), so it is shown as its alt text instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import escape


def is_same_origin(src: str) -> bool:
    """A path on this site, or an inline data: image; not another host (browsers read a backslash as '/')."""
    src = src.strip().replace("\\", "/")
    if src.startswith("data:image/"):
        return True
    parts = urlsplit(src)
    return not parts.scheme and not parts.netloc and not src.startswith("//")


def _image(self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    if is_same_origin(str(token.attrGet("src") or "")):
        return str(self.image(tokens, idx, options, env))
    alt = self.renderInlineAsText(token.children or [], options, env)
    return f'<span class="external-image">[image: {escape(alt)}]</span>'


@lru_cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    parser.add_render_rule("image", _image)
    return parser


def render_markdown(source: str) -> str:
    html: str = _parser().render(source)
    return html


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
    html: str = _parser().renderInline(source)
    return html
