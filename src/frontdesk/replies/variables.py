"""Variables in a saved reply's text, filled when it is inserted: `{{customer.first_name}}`.

A variable this module does not know, or one with no value in the conversation at hand (a chat
has no ticket number until it ends; a visitor may give no name), is left exactly as written, so
the agent sees it in the composer and never sends a blank where a name should be.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# name → what it holds (docs/desk.md, "Saved replies", lists them too).
VARIABLES: dict[str, str] = {
    "customer.first_name": "The customer's first name: the first word of their name.",
    "customer.name": "The customer's full name.",
    "agent.first_name": "Your first name: the first word of your name.",
    "agent.name": "Your full name, as in your preferences.",
    "ticket.number": "The ticket's number (a chat has one once it has ended).",
    "inbox.name": "The name of the conversation's inbox.",
}

# `{{ name }}`: spaces inside the braces are allowed; anything else is plain text.
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.]{1,64})\s*\}\}")


@dataclass
class Filled:
    text: str
    # Known variables left as written because the conversation has no value for them.
    unfilled: list[str] = field(default_factory=list)
    # Names that are no variable at all (a typo, say), left as written.
    unknown: list[str] = field(default_factory=list)


def first_word(name: str | None) -> str | None:
    words = (name or "").split()
    return words[0] if words else None


def fill(text: str, values: Mapping[str, str | None]) -> Filled:
    """One pass over the text: a value that itself looks like a variable (a visitor named
    "{{agent.name}}") is inserted as it is, never filled in turn."""
    filled = Filled(text="")

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in VARIABLES:
            if name not in filled.unknown:
                filled.unknown.append(name)
            return match.group(0)
        value = (values.get(name) or "").strip()
        if not value:
            if name not in filled.unfilled:
                filled.unfilled.append(name)
            return match.group(0)
        return value

    filled.text = PLACEHOLDER.sub(replace, text)
    return filled


def used_in(text: str) -> list[str]:
    """The variable names a text uses, known or not, in order of first use."""
    names: list[str] = []
    for match in PLACEHOLDER.finditer(text):
        if match.group(1) not in names:
            names.append(match.group(1))
    return names


def braced(names: Iterable[str]) -> str:
    """`{{a}}, {{b}}`: variable names as a message names them to a person."""
    return ", ".join(f"{{{{{name}}}}}" for name in names)
