"""Mail that came through a mailing list or group (a Google Group, a Microsoft 365 group, a
Mailman list run as the support address): who wrote it, and whether it is a person's mail.

Many teams run their support address as a group that passes mail on to the desk. Such a group
marks every message `Precedence: list` (and `List-Id`, `List-Post`, `Mailing-list`), which RFC
3834 counts as automatic; and for an author whose domain has a strict DMARC policy it rewrites
From to its own address (`"'Jane Doe' via Support" <support@…>`), keeping the author in
`X-Original-From` and `Reply-To`. Read naively, every customer's mail through the group would
be ignored, or filed as sent by the desk itself. Decided (docs/email.md, "Mail through a list
or group"):

- a message through a list that is one of the desk's own addresses (the list's posting address,
  or an address it was written to, is one the desk takes mail for) is a person's mail: it opens
  and continues tickets like any other, and an automatic reply (a rule's acknowledgement) goes
  to its author alone, never to the list;
- through any other list (the desk merely subscribed to a newsletter or a discussion list), it
  stays automatic: it opens nothing and reopens nothing, as RFC 3834 asks;
- when From is one of the desk's own addresses, or the list's, the author is `X-Original-From`,
  else the first `Reply-To` that is neither. Never one of the desk's own addresses: our own mail
  can never become a customer's.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.config import Settings
from frontdesk.mail import inbound as parsing
from frontdesk.mail.matching import accepts_recipient, in_mail_domain, is_our_address

# "'Jane Doe' via Support": the author's name as Google Groups writes it into the rewritten From.
_VIA = " via "


async def as_written(
    session: AsyncSession, mail: parsing.ParsedMail, *, settings: Settings
) -> parsing.ParsedMail:
    """The message with its author settled (`from_name`, `from_address`; `sent_as` keeps the
    From it came with when that changed) and, for list mail not written to the desk, the
    automatic reason RFC 3834 gives it."""
    mail = await _author(session, mail, settings=settings)
    listed = mail.mailing_list
    if listed is None or not listed.precedence or mail.auto_reason is not None:
        return mail
    for address in dict.fromkeys((*listed.addresses, *mail.to, *mail.cc)):
        if await accepts_recipient(session, address=address, settings=settings):
            return mail
    return replace(mail, auto_reason="Precedence: list")


async def _author(
    session: AsyncSession, mail: parsing.ParsedMail, *, settings: Settings
) -> parsing.ParsedMail:
    if mail.original_from is None and not mail.reply_to:
        return mail
    listed = mail.mailing_list
    rewritten = (listed is not None and mail.from_address in listed.addresses) or (
        await _ours(session, mail.from_address, settings=settings)
    )
    if not rewritten:
        return mail
    skip = {mail.from_address, *(listed.addresses if listed is not None else ())}
    candidates = [mail.original_from] if mail.original_from is not None else []
    for name, address in [*candidates, *mail.reply_to]:
        if address in skip or await _ours(session, address, settings=settings):
            continue
        return replace(
            mail,
            from_name=name or _author_name(mail.from_name),
            from_address=address,
            sent_as=_display(mail.from_name, mail.from_address),
        )
    return mail


async def _ours(session: AsyncSession, address: str, *, settings: Settings) -> bool:
    """One of the desk's own addresses: one it sends from, or takes mail at."""
    return in_mail_domain(settings, address) or await is_our_address(
        session, address=address, settings=settings
    )


def _author_name(rewritten: str) -> str:
    """The author's name in a rewritten From's ("'Jane Doe' via Support": Jane Doe); any other
    name is not the author's."""
    name, via, _list = rewritten.rpartition(_VIA)
    return name.strip().strip("'\"").strip() if via else ""


def _display(name: str, address: str) -> str:
    return f"{name} <{address}>" if name else address
