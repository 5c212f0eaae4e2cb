"""HTML mail rendered as plain text, with quoted history marked by '> ' so that the plain-text
rules find it: blockquotes, the quote containers of Gmail, Yahoo and Thunderbird, and the
markers after which Outlook puts the message it answers."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIPPED_TAGS = frozenset({"style", "script", "head", "title", "template"})
_VOID_TAGS = frozenset(
    {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base", "source"}
)
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "thead",
        "tfoot", "tr", "ul",
    }
)  # fmt: skip
_PARAGRAPH_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote", "pre"}
)
_QUOTE_CLASSES = frozenset({"gmail_quote", "yahoo_quoted", "moz-cite-prefix"})
_SIGNATURE_CLASSES = frozenset({"gmail_signature"})
# Outlook puts the quoted header and the old message *after* these markers, as siblings rather
# than children, so everything from the marker on is history.
_HISTORY_IDS = frozenset(
    {"divrplyfwdmsg", "appendonsend", "mail-editor-reference-message-container"}
)
_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")
_EXTRA_BLANKS = re.compile(r"\n{3,}")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._parts: list[str] = []
        self._line_depth = 0
        # Open elements as (tag, starts a quote, is spaced like a paragraph).
        self._open: list[tuple[str, bool, bool]] = []
        self._quote_depth = 0
        self._skip_depth = 0
        self._pre_depth = 0
        self._list_depth = 0
        self._history = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        classes = set(attributes.get("class", "").split())
        element_id = attributes.get("id", "").lower().removeprefix("x_")
        quoted = tag == "blockquote" or bool(classes & _QUOTE_CLASSES)
        quoted = quoted or element_id.startswith("yahoo_quoted")
        # Outlook spaces its paragraphs with explicit empty ones, so margins would double them.
        paragraph = (tag in _PARAGRAPH_TAGS or quoted) and "MsoNormal" not in classes
        paragraph = paragraph and not (tag in ("ul", "ol") and self._list_depth)
        if element_id in _HISTORY_IDS:
            self._break(paragraph=True)
            self._history = True
        if tag in _BLOCK_TAGS or quoted:
            self._break(paragraph=paragraph)
        if classes & _SIGNATURE_CLASSES:
            self._start_signature()
        if tag == "br":
            self._line_break()
        elif tag == "li":
            self._parts.append("  " * max(self._list_depth - 1, 0) + "- ")
            self._line_depth = self._depth()
        elif tag in ("td", "th") and self._parts:
            self._parts.append(" ")
        if tag in _VOID_TAGS:
            return
        self._open.append((tag, quoted, paragraph))
        self._enter(tag, quoted, +1)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                break
        else:
            return  # a stray end tag: browsers ignore it, and so do we
        while len(self._open) > index:
            name, quoted, paragraph = self._open.pop()
            if name in _BLOCK_TAGS or quoted:
                self._break(paragraph=paragraph)
            self._enter(name, quoted, -1)

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if self._pre_depth:
            first, *others = data.replace("\r\n", "\n").split("\n")
            self._add(first)
            for line in others:
                self._line_break()
                self._add(line)
            return
        # A no-break space is kept as content: "<div>&nbsp;</div>" is how editors write a
        # blank line, while plain whitespace between tags means nothing.
        text = _WHITESPACE.sub(" ", data)
        if not self._parts or self._parts[-1].endswith(" "):
            text = text.lstrip(" ")
        self._add(text)

    def close(self) -> None:
        super().close()
        self._break()

    def _enter(self, tag: str, quoted: bool, step: int) -> None:
        if quoted:
            self._quote_depth += step
        if tag in _SKIPPED_TAGS:
            self._skip_depth += step
        elif tag == "pre":
            self._pre_depth += step
        elif tag in ("ul", "ol"):
            self._list_depth += step

    def _depth(self) -> int:
        return self._quote_depth + (1 if self._history else 0)

    def _add(self, text: str) -> None:
        if not text:
            return
        if not "".join(self._parts).strip():
            self._line_depth = self._depth()
        self._parts.append(text)

    def _start_signature(self) -> None:
        """Gmail leaves the "-- " line out of its signature markup; visible_text needs it."""
        self._break()
        last = next((line for line in reversed(self.lines) if line.strip()), "")
        if last.strip() != "--":
            self.lines.append("-- ")

    def _line_break(self) -> None:
        text = "".join(self._parts).replace("\u00a0", " ").rstrip()
        prefix = "> " * self._line_depth if text else ">" * self._depth()
        self.lines.append(prefix + text)
        self._parts = []
        self._line_depth = self._depth()

    def _break(self, *, paragraph: bool = False) -> None:
        if self._parts:
            self._line_break()
        if paragraph and self.lines and self.lines[-1].strip("> "):
            self.lines.append(">" * self._depth())


def html_to_text(html: str) -> str:
    """Render an HTML mail body as plain text, with quoted history marked by '> ' prefixes."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = "\n".join(line.rstrip() for line in extractor.lines)
    return _EXTRA_BLANKS.sub("\n\n", text).strip("\n")
