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


# The rest of a link a client wrapped inside a quote without quoting it again: one token with
# "://" or "=" in it ("_nonce=3dd518)", " (http://example.com/c/Yz) >").
_LINK_FRAGMENT = re.compile(r"^[ \t]*\S*(?:://|=)\S*(?:[ \t]+>)?[ \t]*$")


def quote_block_end(lines: list[str], start: int, quoted: re.Pattern[str]) -> int:
    """Index after the last quoted line of the run at start; blank lines may sit inside it, and
    so may the unquoted rest of a wrapped link when the quote goes on under it."""
    end = start
    for i in range(start, len(lines)):
        if quoted.match(lines[i]):
            end = i + 1
        elif not lines[i].strip():
            continue
        elif not (
            end == i
            and _LINK_FRAGMENT.match(lines[i])
            and i + 1 < len(lines)
            and quoted.match(lines[i + 1])
        ):
            break
    return end
