"""
Replies arrive with the conversation's history underneath (or, for bottom-posters, above) the
new text, and with signatures that the agent has already seen a hundred times. This module finds
the boundaries with general rules — attribution lines in many languages, header blocks, quote
markers, "Original Message" separators, signature delimiters and mobile footers — rather than
with knowledge of any particular message.

The guiding policy, which keeps the rules consistent with each other:

* Whatever the customer typed stays, including closings like "Thanks,\\nAnna": they are part of
  the message and cheap to show, and guessing where a name line ends is error-prone.
* History that comes *after* the customer's text (top-posting) is cut, along with everything
  that follows it.
* History that comes *before* any text of the customer's (bottom-posting, or a bare forward)
  only has its marker removed; the text that follows is what they wrote.
* A quoted block followed by more of the customer's text is an inline answer and stays, because
  the answers make no sense without it; a quoted block with nothing of theirs after it is history.
"""

from __future__ import annotations

from collections.abc import Iterable

from frontdesk.mail.visible.attribution import find_attributions, split_run_in_attributions
from frontdesk.mail.visible.footers import is_device_footer, is_list_footer, names_a_device
from frontdesk.mail.visible.lines import (
    DECORATION,
    LOOSELY_QUOTED,
    QUOTE_PREFIX,
    QUOTED,
    SIGNATURE_DELIMITER,
    quote_block_end,
    skip_blank,
)
from frontdesk.mail.visible.markers import history_marker_end
from frontdesk.mail.visible.sent import sent_history_start

__all__ = ["split_reply", "visible_text"]


def visible_text(body: str, *, sent: Iterable[str] = ()) -> str:
    """Return what the customer wrote in a plain-text reply body, without history or signature.
    `sent`: texts of the mail we sent that the reply may answer (see sent.py)."""
    return split_reply(body, sent=sent)[0]


def split_reply(body: str, *, sent: Iterable[str] = ()) -> tuple[str, str]:
    """Split a plain-text reply into (visible, rest); rest holds every line left out, in order."""
    lines = split_run_in_attributions(body.replace("\r\n", "\n").replace("\r", "\n"))
    # Our own message pasted without a marker: nothing from its first line on is the customer's.
    ours = sent_history_start(lines, sent)
    kept = _visible_line_numbers(lines if ours is None else lines[:ours])
    visible = _trim(_joined(lines, sorted(kept)), decorations=True)
    rest = _trim([line for i, line in enumerate(lines) if i not in kept], decorations=False)
    return "\n".join(visible), "\n".join(rest)


def _joined(lines: list[str], kept: list[int]) -> list[str]:
    """The kept lines, where a cut-out line (an inline answer's attribution) between two blank
    ones leaves one blank line rather than two."""
    out: list[str] = []
    previous = -1
    for i in kept:
        line = lines[i]
        if not line.strip() and out and not out[-1].strip() and i != previous + 1:
            previous = i
            continue
        out.append(line)
        previous = i
    return out


def _trim(lines: list[str], *, decorations: bool) -> list[str]:
    """Drop blank lines around the text and, if asked, separators left dangling at its end."""
    end = len(lines)
    while end and (
        not lines[end - 1].strip() or (decorations and DECORATION.match(lines[end - 1]))
    ):
        end -= 1
    start = 0
    while start < end and not lines[start].strip():
        start += 1
    trimmed = lines[start:end]
    if trimmed:
        trimmed[-1] = trimmed[-1].rstrip()
    return trimmed


# --- the scan --------------------------------------------------------------------------------


def _visible_line_numbers(lines: list[str]) -> set[int]:
    attributions = find_attributions(lines)
    kept: set[int] = set()
    own_text = False
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if not line.strip() or (DECORATION.match(line) and not _is_boundary(lines, i, {})):
            # Rules and tracking glyphs are not the customer's text: they must not turn a
            # forward at the very top into history that follows something they wrote.
            kept.add(i)
            i += 1
            continue
        if i in attributions:
            after = _after_attribution(lines, i, attributions, own_text=own_text)
        elif SIGNATURE_DELIMITER.match(line):
            after = None
        elif is_list_footer(line) or (
            is_device_footer(line)
            and (names_a_device(line) or not _own_text_follows(lines, i + 1, attributions))
        ):
            # A client's footer is the last thing it adds, so what follows a footer naming a
            # device or mail app is history even without a marker. A line of the same shape
            # naming something else ("Gesendet mit DHL Express") is a footer only at the end.
            after = None
        elif (history_end := history_marker_end(lines, i)) is not None:
            after = None if own_text else history_end
        elif QUOTED.match(line):
            block_end = quote_block_end(lines, i, QUOTED)
            if _quote_is_history(lines, i, block_end):
                after = block_end
            elif own_text and not _own_text_follows(lines, block_end, attributions):
                after = None  # a quote with nothing of the customer's after it is history
            else:
                kept.update(range(i, block_end))
                own_text, after = True, block_end
        else:
            kept.add(i)
            own_text, after = True, i + 1
        if after is None:
            break
        i = after
    return kept


def _after_attribution(
    lines: list[str], i: int, attributions: dict[int, int], *, own_text: bool
) -> int | None:
    """Where the scan resumes after the attribution at line i, or None to cut there."""
    end = attributions[i]
    if not own_text:
        # Bottom-posting: the attribution and the quote under it go, the answer stays.
        return quote_block_end(lines, skip_blank(lines, end), LOOSELY_QUOTED)
    return end if _is_inline_answer(lines, end, attributions) else None


def _is_inline_answer(lines: list[str], attribution_end: int, attributions: dict[int, int]) -> bool:
    """An attribution followed by a '>' quote and then more own text starts an inline answer.

    Only '>' counts: looser prefixes ("Name>", "| ") are weaker evidence of a deliberate inline
    reply, so under an attribution they are read as the history they usually are.
    """
    start = skip_blank(lines, attribution_end)
    if start >= len(lines) or not lines[start].lstrip().startswith(">"):
        return False
    return _own_text_follows(lines, quote_block_end(lines, start, QUOTED), attributions)


def _own_text_follows(lines: list[str], start: int, attributions: dict[int, int]) -> bool:
    i, n = start, len(lines)
    while i < n:
        line = lines[i]
        if not line.strip():
            i += 1
        elif _is_boundary(lines, i, attributions):
            return False
        elif DECORATION.match(line):
            i += 1
        elif QUOTED.match(line):
            i = quote_block_end(lines, i, QUOTED)
        else:
            return True
    return False


def _is_boundary(lines: list[str], i: int, attributions: dict[int, int]) -> bool:
    line = lines[i]
    return (
        i in attributions
        or SIGNATURE_DELIMITER.match(line) is not None
        or is_device_footer(line)
        or is_list_footer(line)
        or history_marker_end(lines, i) is not None
    )


def _quote_is_history(lines: list[str], start: int, end: int) -> bool:
    """A quote that opens with an attribution, a header block or a forward marker is history."""
    inner = [QUOTE_PREFIX.sub("", line, count=1) for line in lines[start : start + 8]]
    first = skip_blank(inner, 0)
    if first >= len(inner) or first >= end - start:
        return False
    return first in find_attributions(inner) or history_marker_end(inner, first) is not None
