"""Variables in a text that is sent or written for an agent or a rule: `{{customer.first_name}}`,
with an optional fallback after a bar, `{{customer.first_name|there}}`, written when the
conversation has no value for it.

Anything else in double braces is no variable: a typo (`{{customer.frist}}`, `{{customer-name}}`)
or a fallback left empty (`{{customer.first_name|}}`). Filling leaves it exactly as written, and
so does a known variable with no value and no fallback (a chat has no ticket number until it ends;
a visitor may give no name): the agent sees it in the composer and never sends a blank where a
name should be. What nobody reads over before it goes (a macro's or a rule's reply or note, a
saved reply they send) is refused instead: `refusal` says why when it is saved.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping
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
# How a variable is written with its fallback; the desk's help and the refusals show it.
FALLBACK_EXAMPLE = "{{customer.first_name|there}}"

# Every `{{…}}` (braces are never inside one); what it holds is then read by `_VARIABLE`.
BRACES = re.compile(r"\{\{([^{}]*)\}\}")
# `name` or `name|fallback`, spaces around either allowed; the fallback is what follows the
# first bar, and must say something.
_VARIABLE = re.compile(r"\s*([A-Za-z0-9_.]{1,64})\s*(?:\|(.*))?", re.DOTALL)
MAX_FALLBACK = 200


@dataclass(frozen=True)
class Placeholder:
    written: str  # as in the text, braces included
    # The variable's name when it is written as one (known or not); None when it is no name.
    name: str | None
    fallback: str | None

    @property
    def known(self) -> bool:
        return self.name in VARIABLES

    @property
    def shown(self) -> str:
        """How a message names it: the name, or what the braces hold when it is no name."""
        return self.name if self.name is not None else self.written[2:-2].strip()


def placeholders(text: str) -> Iterator[tuple[re.Match[str], Placeholder]]:
    for match in BRACES.finditer(text):
        yield match, _read(match)


def _read(match: re.Match[str]) -> Placeholder:
    written = match.group(0)
    found = _VARIABLE.fullmatch(match.group(1))
    if found is None:
        return Placeholder(written, None, None)
    name, fallback = found.group(1), found.group(2)
    if fallback is None:
        return Placeholder(written, name, None)
    fallback = fallback.strip()
    if not fallback or len(fallback) > MAX_FALLBACK:
        # `{{customer.first_name|}}` says nothing in the customer's place: no variable.
        return Placeholder(written, None, None)
    return Placeholder(written, name, fallback)


@dataclass
class Filled:
    text: str
    # Known variables left as written because the conversation has no value for them (and the
    # text gives no fallback).
    unfilled: list[str] = field(default_factory=list)
    # What is no variable at all (a typo, say), left as written: the name, or what the braces
    # hold when it is no name.
    unknown: list[str] = field(default_factory=list)


def first_word(name: str | None) -> str | None:
    words = (name or "").split()
    return words[0] if words else None


def fill(text: str, values: Mapping[str, str | None], *, drop_unfilled: bool = False) -> Filled:
    """One pass over the text: a value that itself looks like a variable (a visitor named
    "{{agent.name}}") is inserted as it is, never filled in turn. `drop_unfilled`: a known
    variable with no value and no fallback is left out rather than kept as written (a
    signature, which nobody reads over before it goes); it is still listed in `unfilled`."""
    filled = Filled(text="")
    parts: list[str] = []
    end = 0
    for match, placeholder in placeholders(text):
        parts.append(text[end : match.start()])
        end = match.end()
        if not placeholder.known:
            _once(filled.unknown, placeholder.shown)
            parts.append(placeholder.written)
            continue
        name = placeholder.shown
        value = (values.get(name) or "").strip() or placeholder.fallback
        if not value:
            _once(filled.unfilled, name)
            if not drop_unfilled:
                parts.append(placeholder.written)
            continue
        parts.append(value)
    parts.append(text[end:])
    filled.text = "".join(parts)
    return filled


def _once(names: list[str], name: str) -> None:
    if name not in names:
        names.append(name)


def refusal(text: str, *, unavailable: Collection[str] = ()) -> str | None:
    """Why a text sent or written with nobody reading it over first may not be saved, or None:
    a `{{…}}` that is no variable, or one of `unavailable` (a rule has no agent) without a
    fallback. Either would reach the customer, or the timeline, as written."""
    unknown: list[str] = []
    missing: list[str] = []
    for _match, placeholder in placeholders(text):
        if not placeholder.known:
            _once(unknown, placeholder.shown)
        elif placeholder.name in unavailable and placeholder.fallback is None:
            _once(missing, placeholder.shown)
    if unknown:
        return (
            f"No such variable: {braced(unknown)}. Write a variable of the list, with a "
            f"fallback after a bar if you like: {FALLBACK_EXAMPLE}."
        )
    if missing:
        example = f"{{{{{missing[0]}|our team}}}}"
        return (
            f"A rule has no agent: {braced(missing)} would have no value. Remove it, or give "
            f"it a fallback: {example}."
        )
    return None


def braced(names: Iterable[str]) -> str:
    """`{{a}}, {{b}}`: variable names as a message names them to a person."""
    return ", ".join(f"{{{{{name}}}}}" for name in names)
