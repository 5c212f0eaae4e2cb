"""Attribution lines: "On <date>, <name> <address> wrote:" and its forms in many languages and
clients, wrapped over up to a few lines."""

from __future__ import annotations

import re

from frontdesk.mail.visible.lines import QUOTE_PREFIX, QUOTED

_MAX_ATTRIBUTION_LINES = 5
_MAX_ATTRIBUTION_CHARS = 400
_MAX_TAIL_WORDS = 3

# "... wrote:" in the languages customers write in. Cyrillic words are whole words so that no
# single letter can be mistaken for a Latin one.
_WROTE_WORDS = (
    r"wrote|writes|has written|a\s+écrit|écrit|schrieb|geschrieben|escribió|escribio|"
    r"schreef|geschreven|ha\s+scritto|scrisse|escreveu|skrev|napisał|napisała|napisal|pisze|"
    r"написал|написала|написав|пишет|пише|napsal|napsala|kirjoitti|yazd\u0131|írta|a\s+scris|"
    r"έγραψε|kirjutas|rašė|rakstīja|ha\s+escrit|va\s+escriure|napisana\s+przez|odesílatel|"
    r"كتب|بواسطة|כתב|đã\s+viết|"
    # Some clients write "sent" for "wrote" ("On <date>, <name> <address> sent:").
    r"sent"
)
# CJK text has no word boundaries, so these verbs are matched without \b.
_WROTE_CJK = "写道|寫道|書きました|작성|쓴 글|のメッセージ|のメール"
# Some clients end the line with the verb alone, no colon ("… <john@doe.com> wrote").
_BARE_VERBS = ("wrote", "schrieb", "écrit", "escribió", "escreveu", "skrev", "schreef")
_BARE_VERB_END = re.compile(r"(?<!\w)(?:" + "|".join(_BARE_VERBS) + r")\s*$", re.IGNORECASE)
_COLON = ":\uff1a"
_LAST_CHARS = _COLON + "-"
# German Apple Mail and some webmails end "Am ... schrieb Max <max@example.de>" with no colon.
_NO_COLON_TAIL = re.compile(r"@[^\s<>]+>$")
_RUN_ON = "   "

# The verb either closes the line ("... wrote:") or is followed by the sender and a colon
# ("Am ... schrieb Max <max@example.de>:", "... schrieb am Fr., 28. Apr. 2017 um 11:53 Uhr:").
# Yahoo's mobile apps run the first quoted line on after "wrote:" and a few spaces.
_WROTE_ENDING = re.compile(
    rf"(?:(?<!\w)(?:{_WROTE_WORDS})(?:\s*\(\w{{1,3}}\))?|{_WROTE_CJK})"
    rf"(?:\s*-{{2,}}\s*$|.{{0,200}}[{_COLON}]\s*$|\s*[{_COLON}]{_RUN_ON}.*$"
    rf"|\s[^:]{{0,120}}@[^\s<>]+>\s*$)",
    re.IGNORECASE,
)
# Lines that open an attribution: "On <date>", "Le <date>", "Am <date>", a bare date, ...
_STRONG_OPENER = re.compile(
    r"^(?:"
    r"(?:on|at|le|am|el|op|il(?:\s+giorno)?|em|no\s+dia|den|dnia|w\s+dniu|dne|kl\.|pe|în|"
    r"στις|في|בתאריך|wiadomość\s+napisana|\u0432|\u0443|på|vào)"
    r"\s+\D{0,40}\d"
    r"|ב-\d"
    # Weekday abbreviations Gmail opens with (fi, nb/da, sv, pl, cs, ca, pt, it, nl, el),
    # whole words only: as prefixes they would start too many sentences.
    r"|(?:ma|ti|ke|to|pe|la|su|man|tir|ons|tor|fre|lør|søn|mån|tis|lör|sön|pon|wt|śr|czw|pt|"
    r"sob|niedz|po|út|st|čt|pá|ne|dl|dt|dc|dj|dv|ds|dg|seg|ter|qua|qui|sex|sáb|gio|wo|vr|za|"
    r"zo|δευ|τρί|τετ|πέμ|παρ|σάβ|κυρ)\.?,?\s+\D{0,20}\d"
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
# A line that is only a phone number ("+49 170 1234567", "(555) 123-4567") ends the customer's
# text; it never opens an attribution below it.
_PHONE = re.compile(r"^(?:tel\.?:?\s*)?\+?\(?\d[\d ()\-/]{6,}\d$", re.IGNORECASE)
_DATE_ONLY = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
# "Jane Doe wrote:" (Thunderbird's default) names nobody's address: it counts only on top of a
# quote.
_NAME_ONLY = re.compile(r"^[^\s:<>@]+(?:\s+[^\s:<>@]+){0,4}\s*$")
# A lower-case word of four letters or more is no part of a name ("I think what Bob wrote:"),
# while "van", "der", "de la" and the scripts without case are.
_SENTENCE_WORD = re.compile(r"(?<!\S)[a-z]{4,}(?!\S)")


# Where an attribution run on after the customer's last words may start: after a space or the
# dashes some webmails put in front of it ("reply--- On Wed, … wrote:"), at a capitalised
# date-led opener. Not at a weekday or a bare date: after a customer's words, "… Mon, 5 Jan …"
# is as likely to be their own.
_RUN_IN_GAP = re.compile(
    r"(?:\s+|-{2,}\s*)(?=(?:On|Le|Am|El|Op|Il|Em|No\s+dia|Den|Dnia|W\s+dniu|Dne|På|Vào)\s+\D{0,40}\d)"
)
_MAX_RUN_IN_CHARS = 600
# The verb search is the costly part: a line gets it tried at a few openers only.
_MAX_RUN_IN_TRIES = 3
_COLON_END = re.compile(r"[:\uff1a][ \t]*$", re.MULTILINE)


def split_run_in_attributions(text: str) -> list[str]:
    """The lines of text, with "thanks On Wed, 4 Apr 2012 at 15:59, bob@example.com wrote:"
    split into the customer's words and the attribution when a quote follows: some clients put
    the attribution right after the text, on the same line. The attribution must open with a
    word the openers know ("On", "Le", "Am", ...), carry a date, time or address and end with
    its verb and colon."""
    lines = text.split("\n")
    splits: dict[int, list[str]] = {}
    number, counted = 0, 0
    # Only lines ending in a colon can hold one: finding those in the whole text at once keeps
    # the other lines from costing anything.
    for colon in _COLON_END.finditer(text):
        number += text.count("\n", counted, colon.start())
        counted = colon.start()
        line = lines[number]
        if _RUN_IN_GAP.search(line) and _quote_follows(lines, number + 1):
            split = _run_in_split(line, line.rstrip())
            if split is not None:
                splits[number] = split
    if not splits:
        return lines
    out: list[str] = []
    for i, line in enumerate(lines):
        out += splits.get(i, [line])
    return out


def _run_in_split(line: str, text: str) -> list[str] | None:
    if len(text) > _MAX_RUN_IN_CHARS or QUOTED.match(line):
        return None
    opening = _LEADING_DECORATION.sub("", text)
    if _STRONG_OPENER.match(opening) and _is_attribution(opening, strong=True):
        return None  # the whole line is one ("On Tue, Nov 8, ... wrote:")
    for gap in list(_RUN_IN_GAP.finditer(text))[:_MAX_RUN_IN_TRIES]:
        before, after = text[: gap.start()], text[gap.end() :]
        if not before.strip(" -") or "@" in before:
            continue  # the sender's name or address before a date is the attribution's own
        if _is_attribution(after, strong=True):
            return [before.rstrip(" -"), after]
    return None


def find_attributions(lines: list[str]) -> dict[int, int]:
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
        or text.endswith(_BARE_VERBS)
        or _DATE_LED.match(text) is not None
        or (text[-1] == ">" and _NO_COLON_TAIL.search(text) is not None)
        or (_RUN_ON in text and _WROTE_ENDING.search(text) is not None)
    )


def _attribution_start(lines: list[str], stripped: list[str], floor: int, last: int) -> int | None:
    """Prefer the nearest start that opens like an attribution; else a short name-led one."""
    fallback: int | None = None
    fallback_sure = False
    quote_follows = _quote_follows(lines, last + 1)
    for first in range(last, max(floor, last - _MAX_ATTRIBUTION_LINES + 1) - 1, -1):
        opening = stripped[first]
        if first < last and _PHONE.match(opening) and not _DATE_ONLY.match(opening):
            break
        if QUOTED.match(lines[first]):
            # Quoted attributions belong to the quote they open. Only a stray "> wrote:" left by
            # a wrapped "<address\n> wrote:" may end an attribution that starts above it.
            if first == last and len(QUOTE_PREFIX.sub("", opening).split()) <= _MAX_TAIL_WORDS:
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
                return _wrapped_opening(lines, stripped, floor, first)
        elif compact and _is_attribution(text, strong=False, quote_follows=quote_follows):
            # The nearest name-led start wins, unless one further up carries the address that
            # the nearer one lacks ("Name <addr>, <date>\n<verb>:").
            sure = _BRACKETED_EMAIL.search(text) is not None
            if fallback is None or (sure and not fallback_sure):
                fallback, fallback_sure = first, sure
    return fallback


def _wrapped_opening(lines: list[str], stripped: list[str], floor: int, first: int) -> int:
    """A client wrapping "Name <address>" breaks the line after the "<": the address line then
    starts with a digit or a letter that looks like an opening by itself, but the attribution
    starts on the line above it."""
    while (
        first - 1 >= floor
        and stripped[first - 1].endswith("<")
        and not QUOTED.match(lines[first - 1])
        and len(" ".join(stripped[first - 1 : first + 1])) <= _MAX_ATTRIBUTION_CHARS
    ):
        first -= 1
    return first


def _quote_follows(lines: list[str], start: int) -> bool:
    for line in lines[start : start + 3]:
        if line.strip():
            return QUOTED.match(line) is not None
    return False


def _extend_attribution(lines: list[str], stripped: list[str], first: int, end: int) -> int:
    """Take in the wrapped tail of a verb-less attribution ("... Name <", "addr>:")."""
    for _ in range(2):
        text = " ".join(part for part in stripped[first:end] if part)
        if text[-1] in _COLON or end >= len(lines) or not stripped[end]:
            break
        if QUOTED.match(lines[end]) and not stripped[end].startswith(">:"):
            break
        if not _is_attribution(f"{text} {stripped[end]}", strong=True):
            break
        end += 1
    return end


def _names_only(text: str) -> bool:
    return _NAME_ONLY.match(text) is not None and _SENTENCE_WORD.search(text) is None


def _is_attribution(text: str, *, strong: bool, quote_follows: bool = False) -> bool:
    """Whether text is a whole attribution. A date-led one must carry a date, time or address
    (so "On this point I wrote:" is not one); a name-led one must carry a bracketed address,
    or, right on top of a quote, an address, a time or nothing but a name before the verb."""
    if len(text) > _MAX_ATTRIBUTION_CHARS:
        return False
    wrote = _WROTE_ENDING.search(text)
    if wrote:
        if strong:
            return bool(_EMAIL.search(text) or _TIME.search(text) or _YEAR.search(text))
        if _BRACKETED_EMAIL.search(text):
            return True
        return quote_follows and bool(
            _EMAIL.search(text) or _TIME.search(text) or _names_only(text[: wrote.start()])
        )
    if not strong:
        return False
    if _BARE_VERB_END.search(text):
        # "On Wed, 14 Nov 2018 08:14:43 -0200 John Doe <john@doe.com> wrote", no colon: only
        # with the sender's bracketed address, which a sentence ending in "wrote" lacks.
        return _BRACKETED_EMAIL.search(text) is not None and _TIME.search(text) is not None
    if _DATE_LED.match(text) and _DATE_LED_TAIL.search(text):
        return True
    return _TIME.search(text) is not None and _SENDER_COLON_TAIL.search(text) is not None
