"""Our own message, quoted under the customer's text without any marker.

Some clients (Outlook on phones, a few webmails, anything after a device footer) paste the
message they answer under the reply with no attribution, no header block and no '>'. No rule
about shapes can tell that from more of the customer's text, but we know what we sent: where
its opening words start a line, the history starts."""

from __future__ import annotations

from collections.abc import Iterable

from frontdesk.mail.visible.lines import QUOTED

__all__ = ["sent_history_start"]

# Enough of our text that a customer's sentence cannot match it by chance, and little enough
# that a client reflowing or trimming our message still matches.
_MATCH_CHARS = 60
_MIN_SENT_CHARS = 25


def _collapse(text: str) -> str:
    return " ".join(text.split())


def sent_history_start(lines: list[str], sent: Iterable[str]) -> int | None:
    """The first line where one of the sent texts starts (the customer's text above it), or
    None. Lines are compared with whitespace collapsed, so a client re-wrapping our
    paragraphs still matches."""
    best: int | None = None
    for text in sent:
        whole = _collapse(text)
        if len(whole) < _MIN_SENT_CHARS:
            continue
        start = _start_of(lines, whole[:_MATCH_CHARS])
        if start is not None and (best is None or start < best):
            best = start
    return best


def _start_of(lines: list[str], wanted: str) -> int | None:
    own_text = False
    for i, line in enumerate(lines):
        text = _collapse(line)
        if not text or QUOTED.match(line):
            continue
        if own_text and wanted.startswith(text[: len(wanted)]) and _continues(lines, i, wanted):
            return i
        own_text = True
    return None


def _continues(lines: list[str], start: int, wanted: str) -> bool:
    """Whether the lines from start, joined, begin with all of wanted."""
    joined = ""
    for i in range(start, len(lines)):  # no slice: a copy per candidate would be quadratic
        text = _collapse(lines[i])
        if not text:
            continue
        joined = f"{joined} {text}" if joined else text
        if len(joined) >= len(wanted):
            return joined.startswith(wanted)
        if not wanted.startswith(joined):
            return False
    return False
