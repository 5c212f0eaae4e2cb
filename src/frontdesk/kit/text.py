"""Small text helpers shared by services."""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email


def like_pattern(text: str) -> str:
    """A `%…%` LIKE pattern matching `text` literally (use with escape='\\')."""
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def normalized_lines(text: str) -> str:
    """Lines ending in "\n" alone (a browser's textarea sends CRLF, an old Mac's a lone CR),
    without spaces around the whole: how a text typed in a box is saved and its limit counted
    (email signatures, an inbox's and an agent's own)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def normalize_email(address: str) -> str:
    """The form an email address is stored and compared in: lower-cased, and an internationalised
    one (non-ASCII, or an IDNA `xn--` domain) as email-validator writes it, NFC with the domain in
    Unicode, which is also what the API's EmailStr gives. So `José@Bücher.example`,
    `josé@xn--bcher-kva.example` and a decomposed `é` are one customer whichever way they came."""
    address = address.strip()
    if address.isascii() and "xn--" not in address.lower():
        return address.lower()
    try:
        normalized = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        # Real mail carries addresses the validator refuses: still one spelling for each.
        normalized = unicodedata.normalize("NFC", address)
    return normalized.lower()


def normalize_domain(domain: str) -> str:
    """A domain in the form `normalize_email` gives it inside an address."""
    return normalize_email(f"postmaster@{domain}").rpartition("@")[2]
