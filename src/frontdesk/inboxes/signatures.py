"""An inbox's email signature: the text its agents' email replies end with, below the standard
"-- " delimiter line (docs/email.md, "Signatures"), its variables filled for the reply's author
with the saved replies' syntax and function (replies/variables.py).

Only what is known of every reply may be used: the author and the inbox. The customer's name or
the ticket's number belong in the reply itself; a signature naming them would go out unfilled
wherever the conversation has no value for them, and nobody reads a signature over before it
goes, so a text using anything else is refused when it is saved.
"""

from __future__ import annotations

from frontdesk.errors import Invalid
from frontdesk.replies.variables import FALLBACK_EXAMPLE, braced, fill, first_word, placeholders

MAX_SIGNATURE = 2_000
VARIABLES = ("agent.name", "agent.first_name", "inbox.name")


def normalised(text: str) -> str:
    """Lines ending in "\n" alone (a browser's textarea sends CRLF, an old Mac's a lone CR),
    without spaces around the whole: what is saved, and what its length limit counts."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


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


def filled(signature: str | None, *, author_name: str | None, inbox_name: str) -> str | None:
    """The signature as it goes under one author's reply, or None when the inbox has none. A
    variable with no value and no fallback (an author without a name) is left out rather than
    sent in braces."""
    if not signature:
        return None
    values = {
        "agent.name": (author_name or "").strip() or None,
        "agent.first_name": first_word(author_name),
        "inbox.name": inbox_name,
    }
    # Left out in the same single pass that fills the others: a value that looks like a
    # variable (an inbox named "Team {{agent.name}}") goes out as it is.
    return fill(signature, values, drop_unfilled=True).text.strip() or None
