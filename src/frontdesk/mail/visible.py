"""The part of an inbound email reply that the customer actually wrote.

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

import re
from html.parser import HTMLParser

__all__ = ["html_to_text", "split_reply", "visible_text"]

# An attribution wraps over a few lines at most; a bigger window would swallow real text.
_MAX_ATTRIBUTION_LINES = 5
_MAX_ATTRIBUTION_CHARS = 400
_MAX_HEADER_LINES = 14
_MAX_MOBILE_SIGNATURE_CHARS = 120
_MAX_TAIL_WORDS = 3

# "... wrote:" in the languages customers write in. Cyrillic words are whole words so that no
# single letter can be mistaken for a Latin one.
_WROTE_WORDS = (
    r"wrote|writes|has written|a\s+écrit|écrit|schrieb|geschrieben|escribió|escribio|"
    r"schreef|geschreven|ha\s+scritto|scrisse|escreveu|skrev|napisał|napisała|napisal|pisze|"
    r"написал|написала|написав|пишет|пише|napsal|napsala|kirjoitti|yazd\u0131|írta|a\s+scris|"
    r"έγραψε|kirjutas|rašė|rakstīja"
)
# CJK text has no word boundaries, so these verbs are matched without \b.
_WROTE_CJK = "\u5199\u9053|\u5beb\u9053|\u66f8\u304d\u307e\u3057\u305f|\uc791\uc131"
_COLON = ":\uff1a"
_LAST_CHARS = _COLON + "-"
_RUN_ON = "   "

# The verb either closes the line ("... wrote:") or is followed by the sender and a colon
# ("Am ... schrieb Max <max@example.de>:", "... schrieb am Fr., 28. Apr. 2017 um 11:53 Uhr:").
# Yahoo's mobile apps run the first quoted line on after "wrote:" and a few spaces.
_WROTE_ENDING = re.compile(
    rf"(?:(?<!\w)(?:{_WROTE_WORDS})(?:\s*\(\w{{1,3}}\))?|{_WROTE_CJK})"
    rf"(?:\s*-{{2,}}\s*$|.{{0,200}}[{_COLON}]\s*$|\s*[{_COLON}]{_RUN_ON}.*$)",
    re.IGNORECASE,
)
# Lines that open an attribution: "On <date>", "Le <date>", "Am <date>", a bare date, ...
_STRONG_OPENER = re.compile(
    r"^(?:"
    r"(?:on|at|le|am|el|op|il(?:\s+giorno)?|em|den|dnia|w\s+dniu|dne|kl\.|\u0432|\u0443)"
    r"\s+\D{0,40}\d"
    r"|\u5728\s?\D{0,4}\d"
    r"|\d"
    r"|(?:mon|tue|wed|thu|fri|sat|sun|lun|mar|mer|jeu|ven|sam|dim|mo|di|mi|do|fr|sa|so"
    r"|пн|вт|\u0441\u0440|чт|пт|\u0441\u0431|вс"
    r"|понедельник|вторник|среда|четверг|пятница|суббота|воскресенье"
    r"|lunes|martes|miércoles|jueves|viernes|sábado|domingo)\w*\.?,?\s+\D{0,20}\d"
    r")",
    re.IGNORECASE,
)
_LEADING_DECORATION = re.compile(r"^[-*\s]+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_BRACKETED_EMAIL = re.compile(
    r"<(?:mailto:)?[^<>\s]+@[^<>\s]+>|&lt;[^&\s]+@[^&\s]+&gt;|\[mailto:[^\]\s]+@[^\]\s]+\]"
)
_TIME = re.compile(r"(?<!\d)\d{1,2}[:.h]\d{2}(?!\d)")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
# Gmail in some locales writes no verb at all: "2016-03-03 17:21 GMT+01:00 Name <addr>:" and
# the Japanese and Russian "<date> <time>, Name <addr>:".
_DATE_LED = re.compile(r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{4}\u5e74\d{1,2}\u6708\d{1,2}\u65e5)")
_DATE_LED_TAIL = re.compile(r"(?:GMT[+-]\d{1,2}:?\d{2}\b.*|[\w.+-]+@[^\s<>]+>?\)?\s*[:\uff1a]?)$")
_SENDER_COLON_TAIL = re.compile(r"@[^\s<>]+>\)?\s*[:\uff1a]$")

_QUOTED = re.compile(r"^[ \t]*(?:>|[A-Za-z][\w-]{0,9}>(?=\s|$))")
# After an attribution anything that looks like a quote prefix is one, "| " included.
_LOOSELY_QUOTED = re.compile(r"^[ \t]*(?:>|\||[A-Za-z][\w-]{0,9}>(?=\s|$))")
_QUOTE_PREFIX = re.compile(r"^[ \t]*(?:>|\||[A-Za-z][\w-]{0,9}>(?=\s|$)) ?")

_SIGNATURE_DELIMITER = re.compile(r"^--[ \t]*$")
_UNDERSCORE_RULE = re.compile(r"^[ \t]*_{5,}[ \t]*$")
_SEPARATOR = re.compile(
    r"^[ \t]*\*?[ \t]*-{2,}[ \t]*(?:"
    r"original message|forwarded message|ursprüngliche nachricht|weitergeleitete nachricht|"
    r"originalnachricht|mensaje original|mensaje reenviado|message d'origine|message original|"
    r"message transféré|messaggio originale|messaggio inoltrato|oorspronkelijk bericht|"
    r"doorgestuurd bericht|originalmeddelande|vidarebefordrat meddelande|opprinnelig melding|"
    r"videresendt melding|oryginalna wiadomość|przekazana wiadomość|исходное сообщение|"
    r"пересылаемое сообщение|mensagem original|mensagem encaminhada|"
    r"\u539f\u59cb\u90ae\u4ef6|\u8f6c\u53d1\u7684\u90ae\u4ef6"
    r")[ \t]*-{2,}[ \t]*\*?[ \t]*$",
    re.IGNORECASE,
)
_FORWARD_INTRO = re.compile(
    r"^[ \t]*(?:begin forwarded message|début du message réexpédié|"
    r"anfang der weitergeleiteten nachricht|inicio del mensaje reenviado|"
    r"início da mensagem reencaminhada|begin doorgestuurd bericht)[ \t]*[:\uff1a]",
    re.IGNORECASE,
)
_MOBILE_SIGNATURE = re.compile(
    r"^[ \t]*[(<\[]*[ \t]*(?:"
    r"(?:sent|envoyé|enviado|inviato|gesendet|verzonden|verstuurd|sendt|skickat|wysłane|"
    r"wysłano|отправлено|надіслано|odesláno|lähetetty)"
    r"\s+(?:from|with|via|using|depuis|de|desde|do|da|dal|von|vanaf|van|met|fra|från|med|z|ze|"
    r"из|\u0441|з)(?!\w)"
    r"|(?:diese nachricht wurde )?von meinem\s.{0,60}gesendet"
    r"|get\s+\[?outlook\s+for(?!\w)"
    r"|(?:\u4ece|\u5f9e|\u53d1\u81ea|\u767c\u81ea)\u6211\u7684"
    r"|.{0,30}\u304b\u3089\u9001\u4fe1"
    r")",
    re.IGNORECASE,
)
# Separators and tracking glyphs left over once a signature or history is cut away.
_DECORATION = re.compile(
    "^[\\s\\-_=*#~+.\u00b7\u2027\u2022\u2013\u2014\u1427\u200b\u200c\u200d\u2060\ufeff]*$"
)

# fmt: off
_HEADER_KEYS: dict[str, str] = {
    **dict.fromkeys(
        ("from", "de", "von", "van", "da", "från", "fra", "od", "от", "kimden", "lähettäjä",
         "feladó", "\u53d1\u4ef6\u4eba", "\u5bc4\u4ef6\u8005", "\u5dee\u51fa\u4eba"),
        "from",
    ),
    **dict.fromkeys(
        ("sent", "date", "envoyé", "gesendet", "datum", "enviado", "fecha", "inviato", "data",
         "verzonden", "skickat", "sendt", "wysłano", "отправлено", "дата", "gönderildi",
         "lähetetty", "\u53d1\u9001\u65f6\u95f4", "\u65e5\u671f"),
        "date",
    ),
    **dict.fromkeys(
        ("to", "à", "a", "an", "para", "aan", "till", "til", "do", "кому", "kime",
         "vastaanottaja", "\u6536\u4ef6\u4eba", "\u5b9b\u5148"),
        "to",
    ),
    **dict.fromkeys(("cc", "bcc", "kopie", "копия"), "cc"),
    **dict.fromkeys(
        ("subject", "objet", "betreff", "asunto", "oggetto", "assunto", "onderwerp", "ämne",
         "emne", "temat", "тема", "konu", "aihe", "\u4e3b\u9898", "\u4e3b\u65e8",
         "\u4ef6\u540d"),
        "subject",
    ),
    **dict.fromkeys(("reply-to", "risposta", "répondre à", "antwort an"), "reply"),
}
# fmt: on
_HEADER_LINE = re.compile(
    r"^[ \t]*\*{0,2}("
    + "|".join(sorted((re.escape(k) for k in _HEADER_KEYS), key=len, reverse=True))
    + r")\*{0,2}[ \t\u00a0]*\*{0,2}[:\uff1a]",
    re.IGNORECASE,
)
_MIN_HEADER_KEYS = 3


def visible_text(body: str) -> str:
    """Return what the customer wrote in a plain-text reply body, without history or signature."""
    return split_reply(body)[0]


def split_reply(body: str) -> tuple[str, str]:
    """Split a plain-text reply into (visible, rest); rest holds every line left out, in order."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = _visible_line_numbers(lines)
    visible = _trim([lines[i] for i in sorted(kept)], decorations=True)
    rest = _trim([line for i, line in enumerate(lines) if i not in kept], decorations=False)
    return "\n".join(visible), "\n".join(rest)


def _trim(lines: list[str], *, decorations: bool) -> list[str]:
    """Drop blank lines around the text and, if asked, separators left dangling at its end."""
    end = len(lines)
    while end and (
        not lines[end - 1].strip() or (decorations and _DECORATION.match(lines[end - 1]))
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
    attributions = _find_attributions(lines)
    kept: set[int] = set()
    own_text = False
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if not line.strip() or (_DECORATION.match(line) and not _is_boundary(lines, i, {})):
            # Rules and tracking glyphs are not the customer's text: they must not turn a
            # forward at the very top into history that follows something they wrote.
            kept.add(i)
            i += 1
            continue
        if i in attributions:
            after = _after_attribution(lines, i, attributions, own_text=own_text)
        elif _SIGNATURE_DELIMITER.match(line):
            after = None
        elif _is_mobile_signature(line) and not _own_text_follows(lines, i + 1, attributions):
            # A client's footer is the last thing it adds, so "Sent with the contract
            # attached, ..." followed by more of the customer's text is a sentence instead.
            after = None
        elif (history_end := _history_marker_end(lines, i)) is not None:
            after = None if own_text else history_end
        elif _QUOTED.match(line):
            block_end = _quote_block_end(lines, i, _QUOTED)
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
        return _quote_block_end(lines, _skip_blank(lines, end), _LOOSELY_QUOTED)
    return end if _is_inline_answer(lines, end, attributions) else None


def _is_inline_answer(lines: list[str], attribution_end: int, attributions: dict[int, int]) -> bool:
    """An attribution followed by a '>' quote and then more own text starts an inline answer.

    Only '>' counts: looser prefixes ("Name>", "| ") are weaker evidence of a deliberate inline
    reply, so under an attribution they are read as the history they usually are.
    """
    start = _skip_blank(lines, attribution_end)
    if start >= len(lines) or not lines[start].lstrip().startswith(">"):
        return False
    return _own_text_follows(lines, _quote_block_end(lines, start, _QUOTED), attributions)


def _own_text_follows(lines: list[str], start: int, attributions: dict[int, int]) -> bool:
    i, n = start, len(lines)
    while i < n:
        line = lines[i]
        if not line.strip():
            i += 1
        elif _is_boundary(lines, i, attributions):
            return False
        elif _DECORATION.match(line):
            i += 1
        elif _QUOTED.match(line):
            i = _quote_block_end(lines, i, _QUOTED)
        else:
            return True
    return False


def _is_boundary(lines: list[str], i: int, attributions: dict[int, int]) -> bool:
    line = lines[i]
    return (
        i in attributions
        or _SIGNATURE_DELIMITER.match(line) is not None
        or _is_mobile_signature(line)
        or _history_marker_end(lines, i) is not None
    )


def _skip_blank(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i


def _quote_block_end(lines: list[str], start: int, quoted: re.Pattern[str]) -> int:
    """Index after the last quoted line of the run at start; blank lines may sit inside it."""
    end = start
    for i in range(start, len(lines)):
        if quoted.match(lines[i]):
            end = i + 1
        elif lines[i].strip():
            break
    return end


def _quote_is_history(lines: list[str], start: int, end: int) -> bool:
    """A quote that opens with an attribution, a header block or a forward marker is history."""
    inner = [_QUOTE_PREFIX.sub("", line, count=1) for line in lines[start : start + 8]]
    first = _skip_blank(inner, 0)
    if first >= len(inner) or first >= end - start:
        return False
    return first in _find_attributions(inner) or _history_marker_end(inner, first) is not None


def _is_mobile_signature(line: str) -> bool:
    return len(line) <= _MAX_MOBILE_SIGNATURE_CHARS and _MOBILE_SIGNATURE.match(line) is not None


# --- history markers -------------------------------------------------------------------------


def _history_marker_end(lines: list[str], i: int) -> int | None:
    """If a separator, forward marker or header block starts at line i, the index after it."""
    line = lines[i]
    if _UNDERSCORE_RULE.match(line):
        return i + 1
    if _SEPARATOR.match(line) or _FORWARD_INTRO.match(line):
        after = _skip_blank(lines, i + 1)
        header_end = _header_block_end(lines, after) if after < len(lines) else None
        return header_end if header_end is not None else i + 1
    return _header_block_end(lines, i)


def _header_block_end(lines: list[str], start: int) -> int | None:
    """Outlook-style 'From: / Sent: / To: / Subject:' blocks, in any of the known languages."""
    match = _HEADER_LINE.match(lines[start])
    if match is None:
        return None
    keys: set[str] = set()
    end = start
    limit = min(len(lines), start + _MAX_HEADER_LINES)
    while end < limit and lines[end].strip():
        match = _HEADER_LINE.match(lines[end])
        if match is not None:
            keys.add(_HEADER_KEYS[match.group(1).lower()])
        end += 1
    if "from" in keys and len(keys) >= _MIN_HEADER_KEYS:
        return end
    return None


# --- attribution lines -----------------------------------------------------------------------


def _find_attributions(lines: list[str]) -> dict[int, int]:
    """Map the first line of each attribution ("On ..., X wrote:") to the line after it.

    Candidates are found from their last line (the one with the verb or the closing colon) and
    grown upwards, because the opening line ("On Mon, 5 Jan 2026 at 10:02, Jane <") alone
    carries too little to recognise.
    """
    stripped = [line.strip() for line in lines]
    spans: dict[int, int] = {}
    floor = 0
    for last, text in enumerate(stripped):
        if last < floor or not text or not _could_end_attribution(text):
            continue
        first = _attribution_start(lines, stripped, floor, last)
        if first is None:
            continue
        end = _extend_attribution(lines, stripped, first, last + 1)
        spans[first] = end
        floor = end
    return spans


def _could_end_attribution(text: str) -> bool:
    # Every accepted form ends in a colon or dashes, or opens with a date: checking that first
    # keeps the costly verb search off the vast majority of lines.
    return (
        text[-1] in _LAST_CHARS
        or _DATE_LED.match(text) is not None
        or (_RUN_ON in text and _WROTE_ENDING.search(text) is not None)
    )


def _attribution_start(lines: list[str], stripped: list[str], floor: int, last: int) -> int | None:
    """Prefer the nearest start that opens like an attribution; else a short name-led one."""
    fallback: int | None = None
    for first in range(last, max(floor, last - _MAX_ATTRIBUTION_LINES + 1) - 1, -1):
        opening = stripped[first]
        if _QUOTED.match(lines[first]):
            # Quoted attributions belong to the quote they open. Only a stray "> wrote:" left by
            # a wrapped "<address\n> wrote:" may end an attribution that starts above it.
            if first == last and len(_QUOTE_PREFIX.sub("", opening).split()) <= _MAX_TAIL_WORDS:
                continue
            break
        if not opening:
            continue
        window = stripped[first : last + 1]
        text = " ".join(part for part in window if part)
        compact = "" not in window and len(window) <= 3
        strong = _STRONG_OPENER.match(_LEADING_DECORATION.sub("", opening)) is not None
        if strong:
            if not compact and opening[-1] in ".!?":
                continue
            if _is_attribution(text, strong=True):
                return first
        elif fallback is None and compact and _is_attribution(text, strong=False):
            fallback = first
    return fallback


def _extend_attribution(lines: list[str], stripped: list[str], first: int, end: int) -> int:
    """Take in the wrapped tail of a verb-less attribution ("... Name <", "addr>:")."""
    for _ in range(2):
        text = " ".join(part for part in stripped[first:end] if part)
        if text[-1] in _COLON or end >= len(lines) or not stripped[end]:
            break
        if _QUOTED.match(lines[end]) and not stripped[end].startswith(">:"):
            break
        if not _is_attribution(f"{text} {stripped[end]}", strong=True):
            break
        end += 1
    return end


def _is_attribution(text: str, *, strong: bool) -> bool:
    """Whether text is a whole attribution. A date-led one must carry a date, time or address
    (so "On this point I wrote:" is not one); a name-led one must carry a bracketed address."""
    if len(text) > _MAX_ATTRIBUTION_CHARS:
        return False
    if _WROTE_ENDING.search(text):
        if strong:
            return bool(_EMAIL.search(text) or _TIME.search(text) or _YEAR.search(text))
        return _BRACKETED_EMAIL.search(text) is not None
    if not strong:
        return False
    if _DATE_LED.match(text) and _DATE_LED_TAIL.search(text):
        return True
    return _TIME.search(text) is not None and _SENDER_COLON_TAIL.search(text) is not None


# --- HTML ------------------------------------------------------------------------------------

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
