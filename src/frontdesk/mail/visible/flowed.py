"""format=flowed (RFC 3676): clients that send it break long paragraphs into lines ending in a
space ("soft" breaks) that the reader is meant to join again. Unjoined, a customer's paragraph
shows as ragged lines and a wrapped attribution or header can hide from the rules."""

from __future__ import annotations

__all__ = ["unflow"]

_SIGNATURE = "-- "


def unflow(text: str, *, delsp: bool = False) -> str:
    """Join the soft line breaks of a format=flowed body. With DelSp=yes the space before a soft
    break was added by the sender and is dropped; without it, it is content and stays. Quote
    depth is kept ('>' per level), and a line is only joined to one of the same depth."""
    out: list[str] = []
    paragraph: list[str] = []
    depth = -1
    for raw in text.split("\n"):
        line = raw.rstrip("\r")
        level = len(line) - len(line.lstrip(">"))
        content = line[level:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing (or the space after the quote marks)
        if paragraph and level != depth:
            out.append(_render(depth, paragraph))  # a soft break cannot cross quote depths
            paragraph = []
        depth = level
        soft = content.endswith(" ") and content != _SIGNATURE
        if soft and delsp:
            content = content[:-1]
        paragraph.append(content)
        if not soft:
            out.append(_render(depth, paragraph))
            paragraph = []
    if paragraph:
        out.append(_render(depth, paragraph))
    return "\n".join(out)


def _render(depth: int, parts: list[str]) -> str:
    joined = "".join(parts)
    return (">" * depth + " " + joined).rstrip() if depth else joined
