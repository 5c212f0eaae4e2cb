"""What a search query means, and where it matched: the one tokenizer and folding both stores'
indexes are queried with, and the highlighted parts the desk shows.

A word is a run of letters and digits (everything else separates words, as SQLite's unicode61
tokenizer and the PostgreSQL index's `regexp_replace` do); words compare without case and without
accents ("resume" matches "Résumé" and back). Each term of the query (what the user typed
between spaces) matches a phrase of its words. The last term of the query is the one being typed,
so its last word is a prefix: `jane@exa` is the words `jane` then `exa…`, so it finds
jane@example.com; `kumq` finds "kumquat". The terms before it are complete words, matched whole,
unless they end in `*` (`refund* printer`). A prefix of a common word is the costly lookup of a
search (SQLite's index merges the rows of every word it begins), and a finished word asks for
itself.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from frontdesk.kit.schemas import MAX_ID

_WORD = re.compile(r"[^\W_]+")
_SPACES = re.compile(r"\s+")
# More terms than this are ignored: each costs one index lookup per field.
MAX_TERMS = 8
# A snippet shows this many characters around its first match.
SNIPPET_CHARS = 160


# Latin letters whose names do not say their base letter, folded as PostgreSQL's unaccent
# rules fold them, so that both stores find the same rows.
_LETTERS = {"\u0131": "i", "ȷ": "j", "ð": "d", "ĸ": "q", "ŋ": "n", "æ": "ae", "œ": "oe", "þ": "th"}
# "LATIN SMALL LETTER L WITH STROKE" is an l (ł, ø, đ, ħ…): Unicode gives such letters no
# decomposition.
_BASE_NAMED = re.compile(r"LATIN (?:SMALL|CAPITAL) LETTER ([A-Z]) WITH .+")
# The marks Latin, Greek and Cyrillic letters decompose into. Other scripts' marks stay: in
# Arabic, Hebrew or Devanagari they are part of how a word is cut into words, on both stores.
_DIACRITICS = (
    (0x0300, 0x036F),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
)


def _diacritic(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _DIACRITICS)


def _base(char: str) -> str:
    if char in _LETTERS:
        return _LETTERS[char]
    named = _BASE_NAMED.fullmatch(unicodedata.name(char, ""))
    return named.group(1).lower() if named else char


class _Folded(dict[int, str]):
    """`str.translate`'s table: each character, already case-folded, without its accents;
    computed the first time the character is met."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if unicodedata.name(char, "").startswith("CYRILLIC") and char != "ё":
            # й, ї, ў are letters of their own in the languages that write them (PostgreSQL
            # keeps them too); ё is written without its dots as often as not.
            folded = char
        else:
            decomposed = unicodedata.normalize("NFKD", char)
            kept = "".join(_base(part) for part in decomposed if not _diacritic(part))
            # A Greek symbol (the upsilon with hook) decomposes into a capital letter.
            folded = kept.casefold()
        self[code] = folded
        return folded


_FOLDED = _Folded()


def fold(word: str) -> str:
    """Text without case and accents: é → e, Ö → o, ß → ss, Ł → l, and Greek and ё as well.

    SQLite's indexes hold their text folded by this function (search/schema.py): changing what
    it gives for a character needs a migration that rebuilds them, or a row indexed before the
    change could not be taken out of them again."""
    if word.isascii():
        # Most text is: the same result without looking at each character.
        return word.lower()
    return word.casefold().translate(_FOLDED)


@dataclass(frozen=True)
class Term:
    """One term of a query: its words (as typed, lower-cased), matched as a phrase, the last as
    a prefix when `prefix`; and the ticket number it names when it is one (`#123` or `123`)."""

    words: tuple[str, ...]
    number: int | None = None
    prefix: bool = True

    @property
    def folded(self) -> tuple[str, ...]:
        return tuple(fold(word) for word in self.words)


def parse(text: str) -> list[Term]:
    # A query typed or pasted decomposed (e and a combining acute) has its words whole.
    text = unicodedata.normalize("NFC", text)
    chunks = [(chunk, words) for chunk in text.split() if (words := _words(chunk))]
    terms: dict[tuple[str, ...], Term] = {}
    for position, (chunk, words) in enumerate(chunks):
        prefix = chunk.endswith("*") or position == len(chunks) - 1
        if words in terms:
            # Typed twice: the term is a prefix if either is.
            if prefix and not terms[words].prefix:
                terms[words] = Term(words, terms[words].number, prefix=True)
            continue
        if len(terms) == MAX_TERMS:
            break
        digits = chunk.lstrip("#")
        # ASCII only: str.isdigit() also holds for "²", which int() refuses.
        number = int(digits) if digits.isascii() and digits.isdigit() else None
        terms[words] = Term(
            words, number if number is not None and number <= MAX_ID else None, prefix=prefix
        )
    return list(terms.values())


def _words(chunk: str) -> tuple[str, ...]:
    return tuple(word.lower() for word in _WORD.findall(chunk))


def sqlite_match(term: Term) -> str:
    """An FTS5 query for the term: a quoted phrase of its words folded as the indexed text was
    (search/schema.py), its last word a prefix if the term's is."""
    return '"' + " ".join(term.folded).replace('"', '""') + ('"*' if term.prefix else '"')


def postgresql_tsquery(term: Term) -> str:
    """A tsquery text for the term (the database removes its accents): `'jane' <-> 'exa':*`."""
    return _phrase(term.words) + (":*" if term.prefix else "")


def postgresql_leading(term: Term) -> str:
    """A tsquery text for the words of a term of several before its last, none a prefix:
    `'jane' <-> 'doe'` for `jane.doe@exa`."""
    return _phrase(term.words[:-1])


def _phrase(words: tuple[str, ...]) -> str:
    quoted = ["'" + word.replace("'", "''").replace("\\", "\\\\") + "'" for word in words]
    return " <-> ".join(quoted)


@dataclass(frozen=True)
class Part:
    text: str
    match: bool


@lru_cache(maxsize=1 << 16)
def _fold_word(word: str) -> str:
    # The words of messages repeat: a search result's texts fold the same few thousand words.
    return fold(word)


def _matches(text: str, terms: list[Term]) -> list[tuple[int, int]]:
    """Character ranges of `text` that match a term: each term's phrase of words in a row."""
    # Folding the whole text keeps every folded word of it as a substring: a term with a word
    # that is not one cannot match, and most texts a result shows are looked at for nothing
    # (its other messages, a subject that did not match), so they are not cut into words.
    folded = fold(text)
    terms = [term for term in terms if all(word in folded for word in term.folded)]
    if not terms:
        return []
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    keys = [_fold_word(text[start:end]) for start, end in spans]
    ranges: list[tuple[int, int]] = []
    for term in terms:
        *whole, last = term.folded
        size = len(whole) + 1
        if whole:
            # Only where the phrase's first word is: a search word is rare in most texts.
            first = whole[0]
            starts = [i for i, key in enumerate(keys) if key == first]
        else:
            starts = [i for i, key in enumerate(keys) if _ends(key, last, term.prefix)]
        for i in starts:
            if i + size > len(keys):
                break
            if _ends(keys[i + size - 1], last, term.prefix) and keys[i : i + size - 1] == whole:
                ranges.append((spans[i][0], spans[i + size - 1][1]))
    ranges.sort()
    merged: list[tuple[int, int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _ends(key: str, last: str, prefix: bool) -> bool:
    return key.startswith(last) if prefix else key == last


def highlight(text: str, terms: list[Term]) -> list[Part] | None:
    """`text` cut into parts, those that match a term flagged; None when nothing matches."""
    ranges = _matches(text, terms)
    if not ranges:
        return None
    return _parts(text, ranges, 0, len(text))


def snippet(text: str, terms: list[Term], *, width: int = SNIPPET_CHARS) -> list[Part] | None:
    """About `width` characters of `text` around its first match, as parts; None when nothing
    matches. Cut at spaces, with "…" where text was left out."""
    ranges = _matches(text, terms)
    if not ranges:
        return None
    first = ranges[0][0]
    start = max(0, first - width // 3)
    if start > 0:
        space = text.find(" ", start, first)
        start = space + 1 if space != -1 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", max(first, start + width // 2), end)
        end = space if space != -1 else end
    parts = _parts(text, [r for r in ranges if r[0] < end], start, end)
    # One line in the list: line breaks and runs of spaces become one space.
    parts = [Part(_SPACES.sub(" ", part.text), part.match) for part in parts]
    if start > 0:
        parts.insert(0, Part("…", False))
    if end < len(text):
        parts.append(Part("…", False))
    return parts


def _parts(text: str, ranges: list[tuple[int, int]], start: int, end: int) -> list[Part]:
    parts: list[Part] = []
    position = start
    for match_start, match_end in ranges:
        match_start, match_end = max(match_start, start), min(match_end, end)
        if match_end <= position:
            continue
        if match_start > position:
            parts.append(Part(text[position:match_start], False))
        parts.append(Part(text[match_start:match_end], True))
        position = match_end
    if position < end:
        parts.append(Part(text[position:end], False))
    return parts
