"""Which ticket an inbound message continues: a reply address among its recipients, then the
Message-IDs it answers, then, for a new ticket, the inbox it was addressed to. What a batch of
messages needs for this is read from the database once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import parseaddr

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.config import Settings
from frontdesk.customers import service as customers_service
from frontdesk.inboxes import service as inboxes_service
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.text import normalize_domain, normalize_email
from frontdesk.mail import inbound as parsing
from frontdesk.mail import statements
from frontdesk.mail.addresses import default_sender, ticket_from_reply_address
from frontdesk.side_conversations.addresses import side_from_address
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Direction, Ticket

MAX_MATCH_IDS = 50


@dataclass
class Known:
    """What a batch's matching needs from the database, read once: entries by Message-ID, the
    tickets they and the reply addresses name, and those tickets' customers' addresses; and the
    text of our mails the messages answer, so that the visible-text extractor can recognise it
    pasted under a reply without a marker. Kept up to date with what the batch writes; anything
    not read up front is looked up when needed."""

    entries: dict[str, tickets_service.EntryRef]
    tickets: dict[int, Ticket]
    senders: dict[int, customers_service.Addresses]
    # Each of our mails' texts: as its author wrote it, then as sent when that differs (it ends
    # with the inbox's signature). A customer's client may paste either under their answer, and
    # the first 60 characters of a short reply sent signed reach into the signature.
    sent_texts: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    async def load(
        cls, session: AsyncSession, *, message_ids: Iterable[str], ticket_ids: Iterable[int]
    ) -> Known:
        """`message_ids`: those the batch's messages carry or answer; `ticket_ids`: those their
        reply addresses name."""
        wanted = list(dict.fromkeys(message_ids))
        entries = await tickets_service.entries_by_message_id(session, message_ids=wanted)
        found = {entry.ticket_id for entry in entries.values()} | set(ticket_ids)
        # Locked, in id order, in the one read the batch makes of them: what the batch decides
        # from a ticket's state (file a blocked sender's answer apart, reopen a closed ticket)
        # must be what it is when the batch writes. Unlocked, an agent marking the ticket spam
        # at the same moment on PostgreSQL could be overwritten: the reply, read before the mark
        # committed, would reopen the ticket with `spam_at` still set. Locked, the batch waits
        # for the mark (or the mark for the batch) and sees it. In id order, so that two
        # batches answering the same tickets wait for each other instead of deadlocking.
        tickets = (
            await tickets_service.lock_tickets(session, ticket_ids=sorted(found)) if found else {}
        )
        senders = await customers_service.emails_of_many(
            session, customer_ids={ticket.customer_id for ticket in tickets.values()}
        )
        ours = [
            message_id
            for message_id, entry in entries.items()
            if entry.direction is Direction.outbound
        ]
        sent_texts: dict[str, list[str]] = {}
        if ours:
            rows = await session.execute(statements.SENT_TEXTS, {"p_ids": ours})
            sent_texts = {
                row.message_id: list(dict.fromkeys(t for t in (row.written, row.text) if t))
                for row in rows
            }
        return cls(entries, tickets, senders, sent_texts)

    def answered_texts(self, message_ids: Iterable[str], *, ticket_id: int) -> list[str]:
        """The text of our mails on the ticket among those a message answers, in its order."""
        return [
            text
            for message_id in message_ids
            if message_id in self.sent_texts and self.entries[message_id].ticket_id == ticket_id
            for text in self.sent_texts[message_id]
        ]

    async def ticket(self, session: AsyncSession, ticket_id: int) -> Ticket | None:
        if ticket_id in self.tickets:
            return self.tickets[ticket_id]
        # Not read up front (the ticket a merged one went into): locked as those were.
        return await tickets_service.lock_ticket(session, ticket_id=ticket_id)

    async def sender(self, session: AsyncSession, customer_id: int) -> customers_service.Addresses:
        """The customer behind the id (after merges) and their email addresses."""
        if customer_id in self.senders:
            return self.senders[customer_id]
        return await customers_service.emails_of(session, customer_id=customer_id)

    async def proven(self, session: AsyncSession, customer_id: int) -> None:
        """Mail came from one of the customer's addresses: they are who they said."""
        sender = await self.sender(session, customer_id)
        if not sender.verified:
            await customers_service.mark_verified(session, customer_id=sender.customer_id)
            self.senders[customer_id] = sender._replace(verified=True)

    def added(
        self, message_id: str | None, entry: tickets_service.EntryRef, ticket: Ticket
    ) -> None:
        if message_id:
            self.entries.setdefault(message_id, entry)
        self.tickets.setdefault(ticket.id, ticket)


def thread_ids(mail: parsing.ParsedMail) -> list[str]:
    """The message answered first, then the thread from its newest end, then what a bounce
    reports on."""
    ids = [*mail.in_reply_to, *reversed(mail.references), *mail.reported_ids]
    return list(dict.fromkeys(ids))[:MAX_MATCH_IDS]


async def matching_ticket(
    session: AsyncSession, *, known: Known, reply_ticket_ids: Iterable[int], wanted: Iterable[str]
) -> tuple[Ticket | None, str | None]:
    """The ticket the message continues, and what matched it."""
    for ticket_id in reply_ticket_ids:
        ticket = await known.ticket(session, ticket_id)
        if ticket is not None:
            return await _current(session, known, ticket), "reply address"
    for message_id in wanted:
        if message_id in known.entries:
            ticket = await known.ticket(session, known.entries[message_id].ticket_id)
            if ticket is not None:
                return await _current(session, known, ticket), "thread"
    return None, None


async def _current(session: AsyncSession, known: Known, ticket: Ticket) -> Ticket:
    """A merged ticket's mail continues the ticket it was merged into (tickets/merging.py)."""
    if ticket.merged_into_id is None:
        return ticket
    final_id = await tickets_service.final_ticket_id(session, ticket_id=ticket.id)
    return await known.ticket(session, final_id) or ticket


async def is_our_address(session: AsyncSession, *, address: str, settings: Settings) -> bool:
    """An address the desk sends from: an inbox's, the default sender's, or a ticket's reply
    address. Mail from one is never a customer's."""
    if address == default_sender(settings.mail_domain).lower():
        return True
    if ticket_from_reply_address(settings.secret, address, mail_domain=settings.mail_domain):
        return True
    if side_from_address(settings.secret, address, mail_domain=settings.mail_domain):
        return True
    return await inboxes_service.get_inbox_by_address(session, address=address) is not None


def clean_address(address: str) -> str:
    """The bare, normalised address in what an envelope or header carried."""
    address = parsing.readable(address).strip()
    if any(char in address for char in '<>"(),; \t'):
        # Not a bare address, as SMTP envelopes carry them: the address in it.
        address = parseaddr(address)[1].strip().strip("<>") or address
    return normalize_email(address)


def in_mail_domain(settings: Settings, address: str) -> bool:
    """Whether the address is in our own mail domain (reply addresses live there)."""
    return clean_address(address).rpartition("@")[2] == normalize_domain(settings.mail_domain)


async def accepts_recipient(session: AsyncSession, *, address: str, settings: Settings) -> bool:
    """Whether the desk takes mail for this address: ours by domain, or an inbox's."""
    if in_mail_domain(settings, address):
        return True
    address = clean_address(address)
    return await inboxes_service.get_inbox_by_address(session, address=address) is not None


async def addressed_inbox(
    session: AsyncSession, *, mail: parsing.ParsedMail, envelope: list[str]
) -> Inbox | None:
    for address in dict.fromkeys((*envelope, *mail.to, *mail.cc, *mail.delivered_to)):
        inbox = await inboxes_service.get_inbox_by_address(session, address=address)
        if inbox is not None:
            return inbox
    return None
