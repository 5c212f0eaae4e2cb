"""Where a query matched, checked against the rule written out word by word: each term is a
phrase of its words in a row, compared without case and accents; the last word of the query's
last term, and of a term ending in `*`, a prefix."""

from __future__ import annotations

import random
import re

from frontdesk.search.terms import Part, fold, highlight, parse, snippet

WORD = re.compile(r"[^\W_]+")
VOCABULARY = [
    "error", "errors", "account", "Crème", "brûlée", "creme", "BRULEE", "résumé", "resume",
    "Straße", "strasse", "jane", "example", "com", "kumquat", "über", "uber", "a", "an",
]  # fmt: skip
SEPARATORS = [" ", "  ", ", ", ".\n", "@", "-", "_", " (", ") "]


def expected(text: str, query: str) -> list[tuple[int, int]]:
    """Every phrase match, by brute force over each position; overlapping ones merged."""
    words = [(m.start(), m.end(), fold(m.group())) for m in WORD.finditer(text)]
    found = []
    for term in parse(query):
        wanted = term.folded
        for start in range(len(words) - len(wanted) + 1):
            window = words[start : start + len(wanted)]
            last = window[-1][2]
            ends = last.startswith(wanted[-1]) if term.prefix else last == wanted[-1]
            if all(w[2] == x for w, x in zip(window[:-1], wanted[:-1], strict=True)) and ends:
                found.append((window[0][0], window[-1][1]))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def marked(parts: list[Part] | None, text: str) -> list[tuple[int, int]]:
    if parts is None:
        return []
    assert "".join(part.text for part in parts) == text  # nothing lost, nothing added
    ranges, position = [], 0
    for part in parts:
        if part.match:
            ranges.append((position, position + len(part.text)))
        position += len(part.text)
    return ranges


def test_matches_are_every_phrase_of_the_query_and_nothing_else() -> None:
    generator = random.Random(19)
    queries = ["error", "creme brulee", "Crème", "error account", "jane@exa", "strasse", "u",
               "resume error", "über uber", "a an a", "com", "a* error", "err* a", "erro erro*",
               "jane@exa com"]  # fmt: skip
    checked = 0
    for _ in range(400):
        text = "".join(
            generator.choice(VOCABULARY) + generator.choice(SEPARATORS)
            for _ in range(generator.randint(0, 40))
        )
        query = generator.choice(queries)
        assert marked(highlight(text, parse(query)), text) == expected(text, query), (text, query)
        checked += bool(expected(text, query))
    assert checked > 100  # most texts had a match to find


def test_a_snippet_marks_the_first_match_and_keeps_to_one_line() -> None:
    text = ("Lorem ipsum dolor sit amet. " * 12) + "Our Crème\nbrûlée was cold. " + "Bye. " * 40
    parts = snippet(text, parse("creme brulee"))
    assert parts is not None
    assert [p.text for p in parts if p.match] == ["Crème", "brûlée"]  # two terms
    assert parts[0].text == "…"
    assert parts[-1].text == "…"
    assert "\n" not in "".join(p.text for p in parts)
    assert snippet(text, parse("kumquat")) is None


def test_the_term_being_typed_is_a_prefix_and_finished_words_match_whole() -> None:
    assert [(t.words, t.prefix) for t in parse("error accou")] == [
        (("error",), False),
        (("accou",), True),
    ]
    # `*` asks for a prefix anywhere; a word typed twice is a prefix if either is.
    assert [t.prefix for t in parse("refund* printer jam")] == [True, False, True]
    assert [(t.words, t.prefix) for t in parse("err jam err")] == [
        (("err",), True),
        (("jam",), False),
    ]
    # Punctuation after the last term leaves it the last one.
    assert [t.prefix for t in parse("jane@exa ?")] == [True]
    text = "Errors in the account"
    assert marked(highlight(text, parse("error account")), text) == [(14, 21)]
    assert marked(highlight(text, parse("error* account")), text) == [(0, 6), (14, 21)]
