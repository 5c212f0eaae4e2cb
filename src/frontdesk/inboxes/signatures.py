"""An inbox's email signature: the text its agents' email replies end with, below the standard
"-- " delimiter line (docs/email.md, "Signatures"), its variables filled for the reply's author
with the saved replies' syntax (replies/variables.py), and the agent's own signature
(`users.email_signature`, plain text) that `{{agent.signature}}` stands for.

Only what is known of every reply may be used: the author and the inbox. The customer's name or
the ticket's number belong in the reply itself; a signature naming them would go out unfilled
wherever the conversation has no value for them, and nobody reads a signature over before it
goes, so a text using anything else is refused when it is saved.

The agent's own signature is inserted as written, never filled in turn: it is theirs alone, and
plain text.
"""

from __future__ import annotations

from frontdesk.errors import Invalid
from frontdesk.kit.text import normalized_lines
from frontdesk.replies.variables import FALLBACK_EXAMPLE, braced, first_word, placeholders

MAX_SIGNATURE = 2_000
VARIABLES = ("agent.name", "agent.first_name", "agent.signature", "inbox.name")

# What is saved, and what its length limit counts (an agent's own signature alike).
normalised = normalized_lines


def cleaned(text: str | None) -> str | None:
    """The signature as saved: None for no signature (null, or only spaces); a variable that is
    not one of VARIABLES is refused (`email_signature`)."""
    text = normalised(text or "")
    if not text:
        return None
    if len(text) > MAX_SIGNATURE:
        raise Invalid(
            "email_signature",
            f"At most {MAX_SIGNATURE} characters.",
            field_code="too_long",
            limit=MAX_SIGNATURE,
        )
    refused: list[str] = []
    for _match, placeholder in placeholders(text):
        if placeholder.name not in VARIABLES and placeholder.shown not in refused:
            refused.append(placeholder.shown)
    if refused:
        raise Invalid(
            "email_signature",
            f"A signature cannot use {braced(refused)}: only {braced(VARIABLES)} are filled in "
            f"it, with a fallback after a bar if you like ({FALLBACK_EXAMPLE}).",
        )
    return text


def filled(
    signature: str | None,
    *,
    author_name: str | None,
    inbox_name: str,
    author_signature: str | None = None,
) -> str | None:
    """The signature as it goes under one author's reply, or None when there is none. An inbox
    without a signature signs with the author's own (`author_signature`), as it is. A variable
    with no value and no fallback (an author without a name, or without a signature of their
    own) is left out rather than sent in braces, and so is a line it leaves empty."""
    own = (author_signature or "").strip() or None
    if not signature:
        return own
    values = {
        "agent.name": (author_name or "").strip() or None,
        "agent.first_name": first_word(author_name),
        "agent.signature": own,
        "inbox.name": inbox_name,
    }
    return _filled(signature, values).strip() or None


def _filled(text: str, values: dict[str, str | None]) -> str:
    """One pass over the text: a value that looks like a variable (an inbox named "Team
    {{agent.name}}", an agent's signature with braces) goes out as it is, never filled or left
    out in turn. A line of the text that held only variables left out goes too, with one blank
    line beside it when it stood between two (`{{agent.signature}}` set apart by blank lines),
    so that nothing missing leaves a gap; the blank lines the text has elsewhere stay."""
    # Each line of the text as its pieces: (text, left out); a value's own line ends stay
    # inside its piece, since only the text's lines may go.
    lines: list[list[tuple[str, bool]]] = [[]]

    def written(part: str) -> None:
        first, *rest = part.split("\n")
        lines[-1].append((first, False))
        lines.extend([(piece, False)] for piece in rest)

    end = 0
    for match, placeholder in placeholders(text):
        written(text[end : match.start()])
        end = match.end()
        if placeholder.name not in VARIABLES:
            written(placeholder.written)
            continue
        value = (values.get(placeholder.shown) or "").strip() or placeholder.fallback
        lines[-1].append((value or "", not value))
    written(text[end:])

    kept: list[str] = []
    gap = False  # a line was left out since the last one kept
    for pieces in lines:
        line = "".join(piece for piece, _ in pieces)
        blank = not line.strip()
        if blank and any(left_out for _, left_out in pieces):
            gap = True
            continue
        if gap and blank and kept and not kept[-1].strip():
            gap = False
            continue
        kept.append(line)
        gap = False
    return "\n".join(kept)
