"""Everything that is about one customer, found once and used by both the export and the erasure:
the customer and the records merged into it, their addresses, tickets, chats, visitors, their
messages on other customers' tickets, the mail they sent and the mail sent to them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.utils import getaddresses

from sqlalchemy import String, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats.models import Chat, ChatState, Visitor
from frontdesk.customers.models import ContactKind, Customer, CustomerContact
from frontdesk.mail.models import InboundMessage, OutboxMessage
from frontdesk.tickets.models import Direction, Ticket, TicketEntry


@dataclass
class CustomerScope:
    # None when erasing an address that belongs to no customer (a visitor's, a refused mail's).
    customer_id: int | None
    # The customer first, then every record merged into it (directly or through another).
    customer_ids: list[int]
    emails: list[str]
    ticket_ids: list[int] = field(default_factory=list)
    chat_ids: list[int] = field(default_factory=list)
    visitor_ids: list[int] = field(default_factory=list)
    # Every message they wrote: by their customer record, or from one of their addresses (a
    # reply from an address only copied on someone else's ticket is stored without an author).
    own_entry_ids: list[int] = field(default_factory=list)
    # Those of them on tickets of other customers.
    foreign_entry_ids: list[int] = field(default_factory=list)
    inbound_ids: list[int] = field(default_factory=list)
    # Mail to them, or about their tickets: deleted with them.
    outbox_ids: list[int] = field(default_factory=list)
    # Mail to someone else that copied them (they are not its first To): the other person's,
    # kept without their address.
    copied_outbox_ids: list[int] = field(default_factory=list)
    live_chat_ids: list[int] = field(default_factory=list)
    # Chats in which a visitor typed their address without the website proving it, with the
    # tickets and customer records made for them: theirs to erase, but maybe not them.
    unverified_chat_ids: list[int] = field(default_factory=list)
    unverified_ticket_ids: list[int] = field(default_factory=list)
    unverified_customer_ids: list[int] = field(default_factory=list)


def addresses_in(value: object) -> set[str]:
    """The email addresses a header value or a JSON list names, lower-cased."""
    if isinstance(value, list):
        texts = [str(item) for item in value]
    elif isinstance(value, str):
        texts = [value]
    else:
        return set()
    return {address.strip().lower() for _name, address in getaddresses(texts) if address}


def names_any(value: object, emails: Iterable[str]) -> bool:
    return not addresses_in(value).isdisjoint(emails)


def main_recipient(headers: dict[str, str], recipients: list[str]) -> str | None:
    """Whom a sent mail was for: the first address of its To (the envelope's recipients also
    hold the Cc and Bcc), or its first recipient for rows written before To was kept."""
    named = [address for _name, address in getaddresses([headers.get("To") or ""]) if address]
    first = named[0] if named else (recipients[0] if recipients else None)
    return first.strip().lower() if first else None


def _like_any(column: object, emails: Sequence[str]) -> object:
    """A cheap first filter (the exact test is `names_any`, on the rows it lets through)."""
    text = cast(column, String)
    return or_(*(text.ilike(f"%{email}%") for email in emails))


async def merged_into(session: AsyncSession, customer_id: int) -> list[int]:
    ids = [customer_id]
    frontier = [customer_id]
    while frontier:
        found = list(
            await session.scalars(
                select(Customer.id).where(
                    Customer.merged_into_id.in_(frontier), Customer.id.not_in(ids)
                )
            )
        )
        ids += found
        frontier = found
    return ids


async def customer_scope(session: AsyncSession, *, customer: Customer) -> CustomerScope:
    customer_ids = await merged_into(session, customer.id)
    emails = sorted(
        await session.scalars(
            select(CustomerContact.value).where(
                CustomerContact.customer_id.in_(customer_ids),
                CustomerContact.kind == ContactKind.email,
            )
        )
    )
    scope = CustomerScope(customer_id=customer.id, customer_ids=customer_ids, emails=emails)
    await _fill(session, scope)
    return scope


async def address_scope(session: AsyncSession, *, email: str) -> CustomerScope:
    """What an address that no customer has left behind: visitors who gave it, their chats, and
    mail from or to it."""
    scope = CustomerScope(customer_id=None, customer_ids=[], emails=[email])
    await _fill(session, scope)
    return scope


async def fill(session: AsyncSession, scope: CustomerScope) -> None:
    """Finds what is theirs for a scope whose customers and addresses are set: also the
    erasure's final re-check (privacy/erasing.py)."""
    await _fill(session, scope)


async def _fill(session: AsyncSession, scope: CustomerScope) -> None:
    customer_ids, emails = scope.customer_ids, scope.emails
    scope.ticket_ids = sorted(
        await session.scalars(select(Ticket.id).where(Ticket.customer_id.in_(customer_ids)))
    )
    chat_match = [Chat.ticket_id.in_(scope.ticket_ids)]
    if emails:
        chat_match.append(Chat.visitor_email.in_(emails))
        visitor_ids = set(
            await session.scalars(select(Visitor.id).where(Visitor.email.in_(emails)))
        )
        chat_match.append(Chat.visitor_id.in_(visitor_ids))
    else:
        visitor_ids = set()
    found = (
        await session.execute(
            select(
                Chat.id, Chat.visitor_id, Chat.state, Chat.ticket_id, Chat.visitor_verified
            ).where(or_(*chat_match))
        )
    ).all()
    own_tickets = set(scope.ticket_ids)
    await _claimed(session, scope, {chat.ticket_id for chat in found if chat.ticket_id is not None})
    scope.unverified_chat_ids = sorted(
        chat.id for chat in found if not chat.visitor_verified and chat.ticket_id not in own_tickets
    )
    chats = [(chat.id, chat.visitor_id, chat.state, chat.ticket_id) for chat in found]
    scope.chat_ids = sorted(chat_id for chat_id, _visitor, _state, _ticket in chats)
    scope.live_chat_ids = sorted(
        chat_id for chat_id, _visitor, state, _ticket in chats if state is not ChatState.ended
    )
    scope.visitor_ids = sorted(visitor_ids | {visitor for _chat, visitor, _state, _ticket in chats})
    own_entries = set(
        await session.scalars(
            select(TicketEntry.id).where(TicketEntry.author_customer_id.in_(customer_ids))
        )
    )
    sent_inbound: set[int] = set()
    if emails:
        # Mail from them wherever it went: to no ticket (refused, ignored), or to another
        # customer's ticket from an address only copied there (stored without an author).
        for inbound_id, sender, envelope in (
            await session.execute(
                select(
                    InboundMessage.id, InboundMessage.from_address, InboundMessage.envelope_from
                ).where(
                    or_(
                        _like_any(InboundMessage.from_address, emails),  # type: ignore[arg-type]
                        _like_any(InboundMessage.envelope_from, emails),  # type: ignore[arg-type]
                    )
                )
            )
        ).all():
            if names_any(sender, emails) or names_any(envelope, emails):
                sent_inbound.add(inbound_id)
        own_entries |= await _entries_sent_from(session, emails, sent_inbound)
    scope.own_entry_ids = sorted(own_entries)
    tickets = set(scope.ticket_ids)
    foreign = []
    for part in chunks(scope.own_entry_ids):
        foreign += list(
            await session.scalars(
                select(TicketEntry.id).where(
                    TicketEntry.id.in_(part), TicketEntry.ticket_id.not_in(tickets)
                )
            )
        )
    scope.foreign_entry_ids = sorted(foreign)
    entry_ids = scope.foreign_entry_ids
    inbound_match = [
        InboundMessage.ticket_id.in_(scope.ticket_ids),
        InboundMessage.entry_id.in_(entry_ids),
    ]
    outbox_match = [
        OutboxMessage.ticket_id.in_(scope.ticket_ids),
        OutboxMessage.entry_id.in_(entry_ids),
    ]
    inbound_ids = set(await session.scalars(select(InboundMessage.id).where(or_(*inbound_match))))
    outbox_ids = set(await session.scalars(select(OutboxMessage.id).where(or_(*outbox_match))))
    inbound_ids |= sent_inbound
    copied: set[int] = set()
    if emails:
        # Mail to them that names no ticket of theirs (a rating request, a Cc on someone else's
        # ticket). Mail to someone else that only copied them is that person's.
        for outbox_id, recipients, headers in (
            await session.execute(
                select(OutboxMessage.id, OutboxMessage.recipients, OutboxMessage.headers).where(
                    _like_any(OutboxMessage.recipients, emails)  # type: ignore[arg-type]
                )
            )
        ).all():
            if outbox_id in outbox_ids or not names_any(recipients, emails):
                continue
            if main_recipient(headers or {}, recipients) in emails:
                outbox_ids.add(outbox_id)
            else:
                copied.add(outbox_id)
    scope.inbound_ids = sorted(inbound_ids)
    scope.outbox_ids = sorted(outbox_ids)
    scope.copied_outbox_ids = sorted(copied)


# Bounds the size of each IN (…) list: SQLite allows 32,766 parameters, PostgreSQL 65,535.
CHUNK = 500


def chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


async def _entries_sent_from(
    session: AsyncSession, emails: Sequence[str], inbound_ids: set[int]
) -> set[int]:
    """Entries of mail that came from one of `emails`: by the received mail they were made of
    and, where that mail is gone (its first ticket deleted after a merge), by the sender the
    entry keeps (`TicketEntry.sender`, indexed: until migration 0060 every entry's data was
    read for its `from_address`)."""
    found: set[int] = set()
    for part in chunks(sorted(inbound_ids)):
        found |= {
            entry_id
            for entry_id in await session.scalars(
                select(InboundMessage.entry_id).where(
                    InboundMessage.id.in_(part), InboundMessage.entry_id.is_not(None)
                )
            )
            if entry_id is not None
        }
    found |= set(
        await session.scalars(
            select(TicketEntry.id).where(
                TicketEntry.sender.in_(sorted(set(emails))),
                TicketEntry.direction == Direction.inbound,
            )
        )
    )
    return found


async def _claimed(session: AsyncSession, scope: CustomerScope, chat_ticket_ids: set[int]) -> None:
    """A chat under their address whose ticket went to another customer: a visitor who typed the
    address without proving it gets a customer of their own, without the address (customers/
    service.py `find_or_create`). That ticket is theirs too, and so is its customer when it has
    no address and nothing else."""
    extra = sorted(chat_ticket_ids - set(scope.ticket_ids))
    if not extra:
        return
    scope.ticket_ids = sorted({*scope.ticket_ids, *extra})
    scope.unverified_ticket_ids = extra
    owners = set(await session.scalars(select(Ticket.customer_id).where(Ticket.id.in_(extra))))
    owners -= set(scope.customer_ids)
    with_contacts = set(
        await session.scalars(
            select(CustomerContact.customer_id).where(CustomerContact.customer_id.in_(owners))
        )
    )
    with_other_tickets = set(
        await session.scalars(
            select(Ticket.customer_id).where(
                Ticket.customer_id.in_(owners), Ticket.id.not_in(scope.ticket_ids)
            )
        )
    )
    merged = set(
        await session.scalars(select(Customer.id).where(Customer.merged_into_id.in_(owners)))
    )
    scope.unverified_customer_ids = sorted(owners - with_contacts - with_other_tickets - merged)
    scope.customer_ids += scope.unverified_customer_ids
