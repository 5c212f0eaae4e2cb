"""Where a query matched, checked against the rule written out word by word: each term is a
phrase of its words in a row, compared without case and accents, the last word a prefix."""

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
            if all(w[2] == x for w, x in zip(window[:-1], wanted[:-1], strict=True)) and window[-1][
                2
            ].startswith(wanted[-1]):
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
               "resume error", "über uber", "a an a", "com"]  # fmt: skip
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
