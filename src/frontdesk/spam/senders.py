"""Which senders are blocked: the one question mail and the contact form ask (`is_blocked`), the
form a blocked address or domain is kept in (`pattern_of`), and whether an agent blocked a
messenger visitor (`visitor_blocked`). Nothing here knows tickets or chats, so the receiving
paths and the messenger can ask it without importing the spam service."""

from __future__ import annotations

from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Invalid
from frontdesk.kit.text import normalize_domain, normalize_email
from frontdesk.spam.models import BlockedSender, BlockedVisitor

MAX_PATTERN = 320


def _invalid(field: str, why: str = "") -> Invalid:
    return Invalid(
        field,
        f"{why}Give an email address (ada@example.net) or a domain with an @ (@example.net).",
    )


def pattern_of(text: str, *, field: str = "pattern") -> str:
    """`ada@example.net` or `@example.net` (a whole domain), in the form they are compared in;
    422 on `field` for anything else. Checked as the API checks any address (email-validator; a
    domain as `postmaster@<domain>`), so `*`, `..`, a leading dot or hyphen, `/`, `;` or an
    invisible character (a zero-width space pasted with it) never make a pattern that blocks
    nothing, or something else than it shows."""
    text = text.strip()
    local, at, domain = text.rpartition("@")
    if not at or not domain or len(text) > MAX_PATTERN:
        raise _invalid(field)
    try:
        validate_email(f"{local or 'postmaster'}@{domain}", check_deliverability=False)
    except EmailNotValidError as refused:
        raise _invalid(field, f"{refused} ") from None
    if not local:
        return "@" + normalize_domain(domain)
    return normalize_email(text)


def patterns_of(address: str) -> list[str]:
    """The patterns that block `address`: itself, its domain and the domains above it
    (`@example.net` blocks `news.example.net` too: spammers rotate subdomains). Not `bad+x@`
    for `bad@`: an address is blocked as written (docs/email.md)."""
    address = normalize_email(address)
    labels = address.rpartition("@")[2].split(".")
    # Down to two labels: a pattern is never a bare top-level domain (`pattern_of`).
    return [address, *("@" + ".".join(labels[i:]) for i in range(max(len(labels) - 1, 1)))]


async def is_blocked(session: AsyncSession, *, address: str | None) -> bool:
    """Whether mail from `address` goes to spam: the address is blocked, or its domain or one
    above it (`@example.net` blocks `news.example.net`)."""
    if not address or "@" not in address:
        return False
    found = await session.scalar(
        select(BlockedSender.id).where(BlockedSender.pattern.in_(patterns_of(address))).limit(1)
    )
    return found is not None


class BlockedAmong:
    """`is_blocked` for a batch of received mail: the senders the batch names are looked up in
    one statement (`load`); an address it did not name (a list's rewritten From, resolved later)
    is looked up alone."""

    def __init__(self) -> None:
        self._checked: set[str] = set()
        self._blocked: set[str] = set()

    @classmethod
    async def load(cls, session: AsyncSession, *, addresses: Iterable[str]) -> BlockedAmong:
        found = cls()
        wanted = {normalize_email(a) for a in addresses if a and "@" in a}
        if not wanted:
            return found
        patterns = {pattern for address in wanted for pattern in patterns_of(address)}
        blocked = set(
            await session.scalars(
                select(BlockedSender.pattern).where(BlockedSender.pattern.in_(sorted(patterns)))
            )
        )
        found._checked = wanted
        found._blocked = {a for a in wanted if blocked & set(patterns_of(a))}
        return found

    async def of(self, session: AsyncSession, *, address: str) -> bool:
        if not address or "@" not in address:
            return False
        normalized = normalize_email(address)
        if normalized in self._checked:
            return normalized in self._blocked
        return await is_blocked(session, address=normalized)


async def visitor_blocked(session: AsyncSession, *, visitor_id: int) -> bool:
    """Whether an agent blocked this messenger visitor (docs/chat.md, "Blocking a visitor")."""
    found = await session.scalar(
        select(BlockedVisitor.id).where(BlockedVisitor.visitor_id == visitor_id).limit(1)
    )
    return found is not None
