"""An article's Markdown made HTML that is safe to show anywhere: the help center's pages, the
messenger, the desk's preview.

markdown-it-py renders CommonMark with tables and strikethrough, raw HTML off (a `<script>`
typed in the text stays text); nh3 then keeps only the tags and attributes below, links with
http, https or mailto only (a `javascript:` link loses its address), and every link gets
rel="noopener nofollow"; a table column's alignment is kept as a class. The two steps are both
needed: the renderer alone would pass an `onerror` attribute of an image written as HTML if raw
HTML were ever turned on, and a link's address is the renderer's to escape but the sanitizer's
to refuse.
"""

from __future__ import annotations

import re
import unicodedata

import nh3
from markdown_it import MarkdownIt

_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_RENDERER.enable(["table", "strikethrough"])

TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "img", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr",
    "ul",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "td": {"style"},
    "th": {"style"},
}
# A table column's alignment (`|:-:|`) is the one style kept, only in the renderer's words, and
# made a class (`align-center`) after cleaning: the pages' Content-Security-Policy allows no
# style attribute.
_ALIGNMENTS = {f"text-align:{side}" for side in ("left", "center", "right")}
_ALIGNED = re.compile(r' style="text-align:(left|center|right)"')


def _only_alignment(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "style":
        return value if tag in ("td", "th") and value in _ALIGNMENTS else None
    return value


_CLEANER = nh3.Cleaner(
    tags=TAGS,
    attributes=ATTRIBUTES,
    attribute_filter=_only_alignment,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener nofollow",
    strip_comments=True,
)


def render(body: str) -> str:
    """The article's HTML: rendered, then sanitized."""
    cleaned: str = _CLEANER.clean(_RENDERER.render(body))
    return _ALIGNED.sub(r' class="align-\1"', cleaned).strip()


_NOT_WORD = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 80


def slugify(title: str) -> str:
    """`How do I return an order?` → `how-do-i-return-an-order`: ASCII letters and digits only
    (accents dropped), at most MAX_SLUG characters cut at a hyphen; `article` when nothing is
    left (a title in another script: the id in the address finds the article all the same)."""
    ascii_only = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = _NOT_WORD.sub("-", ascii_only.lower()).strip("-")
    if len(slug) > MAX_SLUG:
        slug = slug[:MAX_SLUG].rsplit("-", 1)[0]
    return slug or "article"
