"""The languages of the help center: its pages' words (knowledge/pages.py) and the languages
an article may be written or translated in (docs/knowledge-base.md, "Languages").

Adding a language is one line here (its code in `Language`), then its words in pages.py's
WORDS and MONTHS, and its name below; the rest follows this list.
"""

from __future__ import annotations

from typing import Literal, get_args

Language = Literal["en", "fr"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
# An article written before migration 0091 is taken to be in this language, and so is a reader
# whose browser names none of ours.
DEFAULT_LANGUAGE: Language = "en"
# Each language's name in itself: the help center's switcher ("English · Français").
NAMES: dict[str, str] = {"en": "English", "fr": "Français"}


def known(code: str) -> Language | None:
    """The language named by `code` ("fr", "FR"), or None when we have none of that name."""
    code = code.strip().lower()
    for language in LANGUAGES:
        if language == code:
            return language
    return None
