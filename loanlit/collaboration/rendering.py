"""Comment text: a Markdown subset rendered to HTML, then sanitised with nh3 against an explicit allowlist.

Two layers, so a mistake in one is caught by the other:

1. markdown-it-py in CommonMark mode with raw HTML *disabled* (``<script>`` is shown as text), images,
   headings and rules switched off: emphasis, strong, lists, links, code, block quotes and line breaks stay.
   markdown-it already refuses ``javascript:``, ``vbscript:``, ``file:`` and ``data:`` link targets.
2. nh3 (ammonia) keeps only the tags and attributes the subset produces, links only with http, https or
   mailto (or a path inside the application), and adds ``rel="noopener noreferrer nofollow"``.

``@username`` in running text (never inside code) is a mention token; it is rendered as
``<span class="mention">`` only for the usernames the caller allows (those who may see the comment),
otherwise as the plain text it was.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Any, Final

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

MAX_BODY_LENGTH: Final = 10_000

ALLOWED_TAGS: Final = frozenset({"p", "br", "em", "strong", "ul", "ol", "li", "a", "code", "pre", "blockquote", "span"})
ALLOWED_ATTRIBUTES: Final = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_CLASSES: Final = {"span": {"mention"}}
URL_SCHEMES: Final = frozenset({"http", "https", "mailto"})
LINK_REL: Final = "noopener noreferrer nofollow"

# Django usernames are letters, digits and @ . + - _; a mention ends before a trailing dot or @.
_MENTION_RE: Final = re.compile(r"@([\w.+-]*[\w+-])", re.UNICODE)
_WORD_BEFORE: Final = re.compile(r"[\w.+-]", re.UNICODE)


def _mention_rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "@":
        return False
    if state.pos > 0 and _WORD_BEFORE.match(state.src[state.pos - 1]):
        return False  # an e-mail address, not a mention
    match = _MENTION_RE.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.content = match.group(0)
        token.meta = {"username": match.group(1)}
    state.pos = match.end()
    return True


def _render_mention(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    text = escapeHtml(token.content)
    if token.meta.get("username") in env.get("allowed_mentions", ()):
        return f'<span class="mention">{text}</span>'
    return text


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False, "typographer": False})
    md.disable(["image", "heading", "lheading", "hr", "html_block", "html_inline", "reference"])
    md.inline.ruler.before("text", "mention", _mention_rule)
    md.add_render_rule("mention", _render_mention)
    return md


def _relative_url(url: str) -> str | None:
    # Only paths inside this application ("/cases/12/") and anchors; "//host" and "java%09script:" are dropped.
    if (url.startswith("/") and not url.startswith("//") and "\\" not in url) or url.startswith("#"):
        return url
    return None


_MD: Final = _parser()
_CLEANER: Final = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    allowed_classes={tag: set(names) for tag, names in ALLOWED_CLASSES.items()},
    url_schemes=set(URL_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
    url_relative=_relative_url,
)


def mentioned_usernames(body: str) -> list[str]:
    """The ``@username`` tokens of running text (not code), in order of first appearance."""
    found: list[str] = []
    for token in _MD.parse(body or "", {}):
        for child in token.children or ():
            if child.type == "mention" and child.meta["username"] not in found:
                found.append(child.meta["username"])
    return found


def render(body: str, *, allowed_mentions: Collection[str] = ()) -> str:
    """Sanitised HTML of ``body``; only ``allowed_mentions`` are shown as mentions."""
    env: dict[str, Any] = {"allowed_mentions": frozenset(allowed_mentions)}
    html = _MD.render(body or "", env)
    return str(_CLEANER.clean(html)).strip()
