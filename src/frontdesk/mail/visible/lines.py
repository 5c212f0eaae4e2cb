"""Line shapes every rule shares: quoted lines, the signature delimiter, decoration."""

from __future__ import annotations

import re

QUOTED = re.compile(r"^[ \t]*(?:>|[A-Za-z][\w-]{0,9}>(?=\s|$))")
# After an attribution anything that looks like a quote prefix is one, "| " included.
LOOSELY_QUOTED = re.compile(r"^[ \t]*(?:>|\||[A-Za-z][\w-]{0,9}>(?=\s|$))")
QUOTE_PREFIX = re.compile(r"^[ \t]*(?:>|\||[A-Za-z][\w-]{0,9}>(?=\s|$)) ?")

SIGNATURE_DELIMITER = re.compile(r"^--[ \t]*$")
# Separators and tracking glyphs left over once a signature or history is cut away.
DECORATION = re.compile(
    "^[\\s\\-_=*#~+.\u00b7\u2027\u2022\u2013\u2014\u1427\u200b\u200c\u200d\u2060\ufeff]*$"
)


def skip_blank(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i


def quote_block_end(lines: list[str], start: int, quoted: re.Pattern[str]) -> int:
    """Index after the last quoted line of the run at start; blank lines may sit inside it."""
    end = start
    for i in range(start, len(lines)):
        if quoted.match(lines[i]):
            end = i + 1
        elif lines[i].strip():
            break
    return end
