"""Mail: outbound rows written to the outbox in the caller's transaction and threaded per ticket;
the outbox's delivery state; inbound mail matched to its ticket."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr
from html import escape
from typing import Any, NoReturn, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from frontdesk.config import Settings
from frontdesk.customers import service as customers_service
from frontdesk.db.context import settings_of
from frontdesk.errors import NotFound
from frontdesk.inboxes import service as inboxes_service
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.clock import utcnow
from frontdesk.kit.text import normalize_domain, normalize_email
from frontdesk.mail import inbound as parsing
from frontdesk.mail import statements
from frontdesk.mail.addresses import new_message_id, reply_address, ticket_from_reply_address
from frontdesk.mail.errors import (
    InboundRefused,
    MalformedMessage,
    MessageTooLarge,
    NotRetryable,
    Unroutable,
)
from frontdesk.mail.models import (
    InboundMessage,
    InboundStatus,
    MailAttachment,
    OutboxMessage,
    OutboxState,
)
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import (
    Direction,
    EntryKind,
    Ticket,
    TicketEntry,
    TicketState,
    TicketType,
)
from frontdesk.users.models import User

MAX_REFERENCES = 20
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=2)
REOPENED_BY_REPLY = frozenset({TicketState.hold, TicketState.snoozed, TicketState.closed})
MAX_MATCH_IDS = 50
# Chat notices one unverified customer (in practice: one typed address) receives in a day.
NOTICES_PER_DAY = 3
_REPLY_PREFIX = re.compile(r"^\s*((re|aw|sv|antw|vs|ref|fw|fwd|tr)\s*(\[\d+\])?\s*:\s*)+", re.I)


async def recipient_for(session: AsyncSession, *, ticket: Ticket) -> str | None:
    customer = await customers_service.get_customer_by_id(session, customer_id=ticket.customer_id)
    return await customers_service.primary_email(session, customer=customer)


def inbox_sender(inbox: Inbox, *, mail_domain: str, display_name: str | None = None) -> str:
    address = inbox.email_address or f"support@{mail_domain}"
    return formataddr((display_name or inbox.name, address))


async def thread_message_ids(session: AsyncSession, *, ticket: Ticket) -> Sequence[str]:
    """Message-IDs of the ticket's emails, oldest first: the References of the next reply."""
    ids = (
        await session.scalars(
            select(TicketEntry.message_id)
            .where(TicketEntry.ticket_id == ticket.id, TicketEntry.message_id.is_not(None))
            .order_by(TicketEntry.created_at, TicketEntry.id)
        )
    ).all()
    return [message_id for message_id in ids if message_id]


def references_header(ids: Sequence[str]) -> str:
    """The chain, trimmed like mail clients do: the root stays, then the most recent ones."""
    chain = list(dict.fromkeys(ids))
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return " ".join(chain)


def reply_subject(subject: str, *, number: int) -> str:
    base = _REPLY_PREFIX.sub("", subject).strip() or "Your request"
    tag = f"[#{number}]"
    return f"Re: {base}" if tag in base else f"Re: {base} {tag}"


def text_to_html(text: str) -> str:
    paragraphs = [
        escape(block).replace("\n", "<br>\n") for block in text.replace("\r\n", "\n").split("\n\n")
    ]
    return (
        '<div style="font-family:system-ui,sans-serif;font-size:15px;color:#0f172a">'
        + "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs if paragraph.strip())
        + "</div>"
    )


async def queue_reply(
    session: AsyncSession, *, ticket: Ticket, entry: TicketEntry, author: User
) -> OutboxMessage:
    settings = settings_of(session)
    inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=ticket.inbox_id)
    recipient = await recipient_for(session, ticket=ticket)
    if recipient is None:
        raise ValueError("queue_reply needs a customer with an email address")
    references = list(await thread_message_ids(session, ticket=ticket))
    message_id = new_message_id(
        mail_domain=settings.mail_domain, hint=f"t{ticket.number}.e{entry.id}"
    )
    entry.message_id = message_id
    headers = {
        "Reply-To": reply_address(
            settings.secret, ticket_id=ticket.id, mail_domain=settings.mail_domain
        )
    }
    if references:
        # The latest message of the thread is the one this answers, usually the customer's.
        headers["In-Reply-To"] = references[-1]
        headers["References"] = references_header(references)
    message = OutboxMessage(
        ticket_id=ticket.id,
        entry_id=entry.id,
        message_id=message_id,
        sender=inbox_sender(
            inbox, mail_domain=settings.mail_domain, display_name=f"{author.name} ({inbox.name})"
        ),
        recipients=[recipient],
        subject=reply_subject(ticket.subject, number=ticket.number),
        headers=headers,
        text=entry.text,
        html=text_to_html(entry.text),
        state=OutboxState.queued,
        data={"kind": "reply", "author_id": author.id},
    )
    session.add(message)
    await session.flush()
    return message


async def list_outbox(
    session: AsyncSession, *, state: OutboxState | None, limit: int, offset: int
) -> Sequence[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit).offset(offset)
    if state is not None:
        query = query.where(OutboxMessage.state == state)
    return (await session.scalars(query)).all()


class TranscriptLineLike(Protocol):
    """A transcript line, written as chats/closing.py (`TranscriptLine`) writes it."""

    def email_text(self) -> str: ...
    def email_html(self) -> str: ...


async def queue_transcript(
    session: AsyncSession,
    *,
    ticket: Ticket,
    entry: TicketEntry,
    lines: Sequence[TranscriptLineLike],
    answered: bool,
) -> bool:
    """The chat transcript for the customer, threaded so that their reply continues the ticket.

    Only a verified customer gets the conversation itself: anyone can type any address into the
    messenger, and a transcript would carry their words to it from our address. An unverified
    customer gets a short notice written by us alone (at most NOTICES_PER_DAY a day), which
    their reply answers like a transcript. Returns whether the transcript was queued.
    """
    settings = settings_of(session)
    customer = await customers_service.get_customer_by_id(session, customer_id=ticket.customer_id)
    recipient = await customers_service.primary_email(session, customer=customer)
    if recipient is None:
        return False
    inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=ticket.inbox_id)
    outro = f"Reply to this email to continue the conversation (ticket #{ticket.number})."
    if customer.verified:
        intro = (
            "Thanks for chatting with us. Here is a copy of the conversation."
            if answered
            else "Sorry we missed you: nobody could answer in time. Our team will follow up by "
            "email as soon as possible. Here is what you wrote."
        )
        subject = f"Transcript of your chat with {inbox.name} [#{ticket.number}]"
        text = "\n\n".join([intro, *(line.email_text() for line in lines), "-- ", outro])
        html = render_transcript_html(
            intro=intro, lines=lines, outro=outro, ticket_number=ticket.number
        )
        kind = "transcript"
    elif await _notices_today(session, customer_id=customer.id) < NOTICES_PER_DAY:
        text = _notice_text(inbox_name=inbox.name, answered=answered, outro=outro)
        html = text_to_html(text)
        subject, kind = f"Your chat with {inbox.name} [#{ticket.number}]", "notice"
    else:
        return False
    message_id = new_message_id(mail_domain=settings.mail_domain, hint=f"t{ticket.number}.chat")
    entry.message_id = message_id
    session.add(
        OutboxMessage(
            ticket_id=ticket.id,
            entry_id=entry.id,
            message_id=message_id,
            sender=inbox_sender(inbox, mail_domain=settings.mail_domain),
            recipients=[recipient],
            subject=subject,
            headers={
                "Reply-To": reply_address(
                    settings.secret, ticket_id=ticket.id, mail_domain=settings.mail_domain
                ),
                # Sent by the system, not a person: auto-responders must not answer it (RFC 3834).
                "Auto-Submitted": "auto-generated",
            },
            text=text,
            html=html,
            state=OutboxState.queued,
            data={"kind": kind, "answered": answered},
        )
    )
    await session.flush()
    return kind == "transcript"


def _notice_text(*, inbox_name: str, answered: bool, outro: str) -> str:
    """Nothing in it comes from the visitor: not their words, not even the name they typed."""
    what = (
        "Thanks for chatting with us."
        if answered
        else "Sorry we missed you: nobody could answer your chat in time. Our team will follow "
        "up by email as soon as possible."
    )
    return "\n\n".join(
        [
            what,
            f"This address was given in a chat with {inbox_name}. We do not email the "
            "conversation to an address until it is confirmed. If you did not chat with us, "
            "you can ignore this email.",
            "-- ",
            outro,
        ]
    )


async def _notices_today(session: AsyncSession, *, customer_id: int) -> int:
    """Mail sent about this customer's tickets in the last day: for an unverified customer, only
    notices (an agent's reply makes them verified)."""
    return (
        await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .join(Ticket, Ticket.id == OutboxMessage.ticket_id)
            .where(
                Ticket.customer_id == customer_id,
                OutboxMessage.created_at > utcnow() - timedelta(days=1),
            )
        )
        or 0
    )


def render_transcript_html(
    *, intro: str, lines: Sequence[TranscriptLineLike], outro: str, ticket_number: int
) -> str:
    rows = [line.email_html() for line in lines]
    return (
        '<div style="font-family:system-ui,sans-serif;font-size:15px;color:#0f172a">'
        f'<p style="color:#64748b;font-size:13px">Ticket #{ticket_number}</p>'
        f"<p>{escape(intro)}</p>{''.join(rows)}"
        f'<hr><p style="color:#64748b;font-size:13px">{escape(outro)}</p>'
        "</div>"
    )


# --- the outbox's delivery -----------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failures: 30 s, 1 min, 2 min … capped."""
    return min(BACKOFF_BASE * (1 << min(max(attempts - 1, 0), 16)), BACKOFF_CAP)


async def claim_outbox(
    session: AsyncSession, *, now: datetime, limit: int, lease: timedelta
) -> Sequence[OutboxMessage]:
    """Due rows, each leased to the caller: queued ones whose time has come, and `sending` ones
    whose sender's lease ran out (it crashed). Locked rows are skipped, so processes that claim
    at the same moment never get the same message."""
    rows = (
        await session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.state.in_([OutboxState.queued, OutboxState.sending]),
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for row in rows:
        row.state = OutboxState.sending
        row.next_attempt_at = now + lease
    await session.flush()
    return rows


def _leased(message: OutboxMessage, claimed_until: datetime) -> Any:
    # Guards every write after sending: a sender whose lease expired and was taken over by
    # another process must not overwrite what that process recorded.
    return (
        (OutboxMessage.id == message.id)
        & (OutboxMessage.state == OutboxState.sending)
        & (OutboxMessage.next_attempt_at == claimed_until)
    )


async def mark_sent(
    session: AsyncSession, *, message: OutboxMessage, claimed_until: datetime, now: datetime
) -> bool:
    result = await session.execute(
        update(OutboxMessage)
        .where(_leased(message, claimed_until))
        .values(state=OutboxState.sent, sent_at=now, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def record_send_failure(
    session: AsyncSession,
    *,
    message: OutboxMessage,
    claimed_until: datetime,
    error: str,
    permanent: bool,
    now: datetime,
) -> OutboxState | None:
    """One failed attempt: back off and retry, or give up after MAX_ATTEMPTS (or at once when
    the server refused for good) so an admin sees it. None when the lease was lost."""
    attempts = message.attempts + 1
    state = OutboxState.failed if permanent or attempts >= MAX_ATTEMPTS else OutboxState.queued
    result = await session.execute(
        update(OutboxMessage)
        .where(_leased(message, claimed_until))
        .values(
            state=state,
            attempts=attempts,
            last_error=error[:4000],
            next_attempt_at=now + backoff(attempts),
        )
        .execution_options(synchronize_session=False)
    )
    return state if result.rowcount else None  # type: ignore[attr-defined]


async def get_outbox_message(session: AsyncSession, *, message_id: int) -> OutboxMessage:
    message = await session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound("No such message in the outbox.")
    return message


async def retry_outbox(
    session: AsyncSession, *, message: OutboxMessage, now: datetime
) -> OutboxMessage:
    """An admin's "try again": the same message (same Message-ID), with a fresh set of attempts."""
    if message.state not in (OutboxState.failed, OutboxState.queued):
        raise NotRetryable(message.state.value)
    message.state = OutboxState.queued
    message.attempts = 0
    message.next_attempt_at = now
    await session.flush()
    return message


def render_outbox(message: OutboxMessage) -> bytes:
    """The RFC 5322 text exactly as the sender transmits it."""
    from frontdesk.mail.sender import build_message

    return build_message(message).as_bytes()


# --- inbound mail --------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboundResult:
    status: InboundStatus
    inbound_id: int
    ticket_id: int | None = None
    ticket_number: int | None = None
    entry_id: int | None = None
    created_ticket: bool = False
    reopened: bool = False
    auto: bool = False
    unexpected_sender: bool = False
    matched_by: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Delivery:
    """One message as a transport received it."""

    raw: bytes
    envelope_to: list[str] | None
    envelope_from: str | None
    via: str = "http"


InboundOutcome = InboundResult | InboundRefused


def _clean_address(address: str) -> str:
    address = parsing.readable(address).strip()
    if any(char in address for char in '<>"(),; \t'):
        # Not a bare address, as SMTP envelopes carry them: the address in it.
        address = parseaddr(address)[1].strip().strip("<>") or address
    return normalize_email(address)


def _envelope_sender(envelope_from: str | None) -> str | None:
    if not envelope_from:
        return None
    return parsing.readable(envelope_from)[:998] or None


def in_mail_domain(settings: Settings, address: str) -> bool:
    """Whether the address is in our own mail domain (reply addresses live there)."""
    return _clean_address(address).rpartition("@")[2] == normalize_domain(settings.mail_domain)


async def accepts_recipient(session: AsyncSession, *, address: str) -> bool:
    """Whether the listener takes mail for this address: ours by domain, or an inbox's."""
    if in_mail_domain(settings_of(session), address):
        return True
    address = _clean_address(address)
    return await inboxes_service.get_inbox_by_address(session, address=address) is not None


async def receive_inbound(
    session: AsyncSession,
    *,
    raw: bytes,
    envelope_to: list[str] | None,
    envelope_from: str | None,
    via: str = "http",
) -> InboundResult:
    """One inbound message, from the SMTP listener or the HTTP endpoint: kept as received,
    matched to its ticket (reply address, then threading headers, then an inbox address for a
    new ticket) and added to its thread with the visible text. Refusals raise InboundRefused
    subclasses, after recording why."""
    (outcome,) = await receive_inbound_batch(
        session, [Delivery(raw, envelope_to, envelope_from, via)]
    )
    if isinstance(outcome, InboundRefused):
        raise outcome
    return outcome


async def receive_inbound_batch(
    session: AsyncSession, deliveries: Sequence[Delivery]
) -> list[InboundOutcome]:
    """Several inbound messages in the caller's transaction, in order, each with the outcome
    `receive_inbound` gives it alone; a refusal is returned as that message's outcome, its
    record written. What matching reads (the entries their headers name, those tickets, their
    customers' addresses) is read for the whole batch at once and kept up to date as the batch
    goes, so each message sees what the ones before it wrote."""
    settings = settings_of(session)
    arrivals = [_arrival(settings, delivery) for delivery in deliveries]
    known = await _Known.load(session, arrivals)
    outcomes: list[InboundOutcome] = []
    for arrival in arrivals:
        try:
            outcomes.append(await _receive(session, arrival, known))
        except InboundRefused as refused:
            outcomes.append(refused)
    return outcomes


@dataclass
class _Arrival:
    """A message parsed, with the record of what arrived, and the refusal it earned if any."""

    record: dict[str, Any]
    envelope: list[str]
    parsed: parsing.ParsedMail | tuple[InboundStatus, MalformedMessage | MessageTooLarge]
    # Tickets named by a valid reply address among its recipients, in the order they are tried.
    reply_ticket_ids: list[int] = field(default_factory=list)
    # Message-IDs it answers, in the order they are tried.
    wanted: list[str] = field(default_factory=list)

    @property
    def mail(self) -> parsing.ParsedMail | None:
        return self.parsed if isinstance(self.parsed, parsing.ParsedMail) else None


def _arrival(settings: Settings, delivery: Delivery) -> _Arrival:
    raw = delivery.raw
    envelope_from = delivery.envelope_from
    envelope = [
        _clean_address(address) for address in delivery.envelope_to or () if address.strip()
    ]
    # Inserted once its outcome is known: one INSERT instead of an INSERT and an UPDATE.
    record: dict[str, Any] = {
        "via": delivery.via,
        "envelope_from": _envelope_sender(envelope_from),
        "envelope_to": envelope,
        "raw": raw,
        "size": len(raw),
        "headers": {},
    }
    if len(raw) > parsing.MAX_MESSAGE_BYTES:
        record["raw"] = parsing.header_section(raw)
        error = MessageTooLarge(parsing.MAX_MESSAGE_BYTES, what="a message")
        return _Arrival(record, envelope, (InboundStatus.rejected, error))
    try:
        mail = parsing.parse_message(raw)
    except parsing.MalformedMail as exc:
        return _Arrival(record, envelope, (InboundStatus.failed, MalformedMessage(str(exc))))
    record["message_id"] = mail.message_id and mail.message_id[:998]
    record["subject"] = mail.subject[:998]
    record["from_address"] = mail.from_address[:998]
    record["headers"] = mail.headers
    if mail.attachment_bytes > parsing.MAX_ATTACHMENT_BYTES:
        error = MessageTooLarge(parsing.MAX_ATTACHMENT_BYTES, what="its attachments together")
        return _Arrival(record, envelope, (InboundStatus.rejected, error))
    arrival = _Arrival(record, envelope, mail)
    arrival.wanted = _thread_ids(mail)
    for address in (*envelope, *mail.to, *mail.cc, *mail.delivered_to):
        ticket_id = ticket_from_reply_address(
            settings.secret, address, mail_domain=settings.mail_domain
        )
        if ticket_id is not None:
            arrival.reply_ticket_ids.append(ticket_id)
    return arrival


@dataclass
class _Known:
    """What a batch's matching needs from the database, read once: entries by Message-ID, the
    tickets they and the reply addresses name, and those tickets' customers' addresses. Kept up
    to date with what the batch writes; anything not read up front is looked up when needed."""

    entries: dict[str, tickets_service.EntryRef]
    tickets: dict[int, Ticket]
    senders: dict[int, customers_service.Addresses]

    @classmethod
    async def load(cls, session: AsyncSession, arrivals: list[_Arrival]) -> _Known:
        message_ids: dict[str, None] = {}
        for arrival in arrivals:
            if arrival.mail is not None:
                if arrival.mail.message_id:
                    message_ids[arrival.mail.message_id] = None
                message_ids.update(dict.fromkeys(arrival.wanted))
        entries = await tickets_service.entries_by_message_id(
            session, message_ids=list(message_ids)
        )
        ticket_ids = {entry.ticket_id for entry in entries.values()}
        for arrival in arrivals:
            if arrival.mail is not None:
                ticket_ids.update(arrival.reply_ticket_ids)
        tickets = await tickets_service.get_tickets_by_id(session, ticket_ids=ticket_ids)
        senders = await customers_service.emails_of_many(
            session, customer_ids={ticket.customer_id for ticket in tickets.values()}
        )
        return cls(entries, tickets, senders)

    async def ticket(self, session: AsyncSession, ticket_id: int) -> Ticket | None:
        if ticket_id in self.tickets:
            return self.tickets[ticket_id]
        return await tickets_service.get_ticket_by_id(session, ticket_id=ticket_id)

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


async def _receive(session: AsyncSession, arrival: _Arrival, known: _Known) -> InboundResult:
    record, mail = arrival.record, arrival.parsed
    if not isinstance(mail, parsing.ParsedMail):
        await _refuse(session, record, *mail)

    # One query for the batch answered both "have we seen this message?" and "which thread does
    # it answer?".
    seen = known.entries.get(mail.message_id) if mail.message_id else None
    if seen is not None:
        reason = (
            "our own message came back"
            if seen.direction is Direction.outbound
            else f"already received (entry {seen.id})"
        )
        inbound_id = await _save(
            session, record, InboundStatus.ignored, ticket_id=seen.ticket_id, error=reason
        )
        return InboundResult(
            status=InboundStatus.ignored, inbound_id=inbound_id, ticket_id=seen.ticket_id,
            entry_id=seen.id, auto=mail.is_auto, reason=reason,
        )  # fmt: skip

    ticket, matched_by = await _matching_ticket(session, arrival, known)
    created = False
    if ticket is None:
        if mail.is_auto:
            # An out-of-office or bounce that answers nothing of ours: no ticket, no reply.
            reason = f"automatic message ({mail.auto_reason}) that matches no ticket"
            inbound_id = await _save(session, record, InboundStatus.ignored, error=reason)
            return InboundResult(
                status=InboundStatus.ignored, inbound_id=inbound_id, auto=True, reason=reason
            )
        inbox = await _addressed_inbox(session, mail=mail, envelope=arrival.envelope)
        if inbox is None:
            await _refuse(session, record, InboundStatus.rejected, Unroutable())
        customer = await customers_service.find_or_create(
            session, email=mail.from_address, name=mail.from_name[:200], verified=True
        )
        ticket = await tickets_service.create_ticket(
            session,
            inbox=inbox,
            customer=customer,
            subject=mail.subject[:300],
            type=TicketType.email,
        )
        created, matched_by, unexpected = True, "inbox address", False
        author_id: int | None = customer.id
    else:
        sender = await known.sender(session, ticket.customer_id)
        unexpected = not mail.is_auto and mail.from_address not in sender.emails
        # A stranger holding the reply address is shown as the sender they claim, not as the
        # customer: the agent decides whether to trust it.
        author_id = sender.customer_id if not unexpected else None
        if not unexpected and not mail.is_auto:
            await known.proven(session, ticket.customer_id)

    data = _entry_data(mail, matched_by=matched_by, unexpected=unexpected)
    entry = await _add_inbound_entry(
        session, ticket=ticket, mail=mail, author_id=author_id, data=data
    )
    known.added(mail.message_id, entry, ticket)
    reopened = False
    if not created and not mail.is_auto and ticket.state in REOPENED_BY_REPLY:
        await tickets_service.update_ticket(
            session, actor=None, ticket=ticket, state=TicketState.open
        )
        reopened = True
    inbound_id = await _save(
        session, record, InboundStatus.processed, ticket_id=ticket.id, entry_id=entry.id
    )
    if mail.attachments:
        await _store_attachments(session, inbound_id, entry=entry, mail=mail, data=data)
    return InboundResult(
        status=InboundStatus.processed,
        inbound_id=inbound_id,
        ticket_id=ticket.id,
        ticket_number=ticket.number,
        entry_id=entry.id,
        created_ticket=created,
        reopened=reopened,
        auto=mail.is_auto,
        unexpected_sender=unexpected,
        matched_by=matched_by,
    )


async def record_refused_inbound(
    session: AsyncSession,
    *,
    head: bytes,
    size: int,
    envelope_to: list[str] | None,
    envelope_from: str | None,
    via: str,
    error: str,
    failed: bool = False,
) -> InboundMessage:
    """A message a transport refused before we had all of it (too large), or could not store:
    who sent it, and why."""
    record = InboundMessage(
        via=via,
        envelope_from=_envelope_sender(envelope_from),
        envelope_to=[_clean_address(address) for address in envelope_to or ()],
        raw=head,
        size=size,
        status=InboundStatus.failed if failed else InboundStatus.rejected,
        error=error,
        headers={},
    )
    session.add(record)
    await session.flush()
    return record


async def _save(
    session: AsyncSession,
    record: dict[str, Any],
    status: InboundStatus,
    *,
    ticket_id: int | None = None,
    entry_id: int | None = None,
    error: str | None = None,
) -> int:
    values = record | {"status": status, "ticket_id": ticket_id, "entry_id": entry_id}
    inbound_id: int = (
        await session.execute(statements.INSERT_INBOUND, values | {"error": error})
    ).scalar_one()
    return inbound_id


async def _refuse(
    session: AsyncSession,
    record: dict[str, Any],
    status: InboundStatus,
    error: MalformedMessage | MessageTooLarge | Unroutable,
) -> NoReturn:
    error.inbound_id = await _save(session, record, status, error=error.message)
    raise error


def _thread_ids(mail: parsing.ParsedMail) -> list[str]:
    """The message answered first, then the thread from its newest end, then what a bounce
    reports on."""
    ids = [*mail.in_reply_to, *reversed(mail.references), *mail.reported_ids]
    return list(dict.fromkeys(ids))[:MAX_MATCH_IDS]


async def _matching_ticket(
    session: AsyncSession, arrival: _Arrival, known: _Known
) -> tuple[Ticket | None, str | None]:
    for ticket_id in arrival.reply_ticket_ids:
        ticket = await known.ticket(session, ticket_id)
        if ticket is not None:
            return ticket, "reply address"
    for message_id in arrival.wanted:
        if message_id in known.entries:
            ticket = await known.ticket(session, known.entries[message_id].ticket_id)
            if ticket is not None:
                return ticket, "thread"
    return None, None


async def _addressed_inbox(
    session: AsyncSession, *, mail: parsing.ParsedMail, envelope: list[str]
) -> Inbox | None:
    for address in dict.fromkeys((*envelope, *mail.to, *mail.cc, *mail.delivered_to)):
        inbox = await inboxes_service.get_inbox_by_address(session, address=address)
        if inbox is not None:
            return inbox
    return None


def _entry_data(
    mail: parsing.ParsedMail, *, matched_by: str | None, unexpected: bool
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "subject": mail.subject,
        "from": _display_address(mail.from_name, mail.from_address),
        "from_address": mail.from_address,
        "to": mail.to,
        "cc": mail.cc,
        "date": mail.date.isoformat() if mail.date else None,
        "quoted": "",
        "attachments": [],
        "auto": mail.is_auto,
        "unexpected_sender": unexpected,
        "matched_by": matched_by,
    }
    if mail.auto_reason:
        data["auto_reason"] = mail.auto_reason
    return data


def _display_address(name: str, address: str) -> str:
    """`Name <address>` for people to read: unlike formataddr, never RFC 2047-encoded, and
    fine with an internationalised address."""
    if not name:
        return address
    if any(char in name for char in '()<>@,;:\\".[]'):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{address}>"


async def _add_inbound_entry(
    session: AsyncSession,
    *,
    ticket: Ticket,
    mail: parsing.ParsedMail,
    author_id: int | None,
    data: dict[str, Any],
) -> tickets_service.EntryRef:
    visible, data["quoted"] = mail.split()
    return await tickets_service.append_entry(
        session,
        ticket=ticket,
        kind=EntryKind.reply,
        direction=Direction.inbound,
        text=visible,
        html=parsing.sanitize_html(mail.html) if mail.html else None,
        author_customer_id=author_id,
        message_id=mail.message_id and mail.message_id[:998],
        data=data,
    )


async def _store_attachments(
    session: AsyncSession,
    inbound_id: int,
    *,
    entry: tickets_service.EntryRef,
    mail: parsing.ParsedMail,
    data: dict[str, Any],
) -> None:
    stored = [
        MailAttachment(
            inbound_id=inbound_id,
            ticket_id=entry.ticket_id,
            entry_id=entry.id,
            filename=attachment.filename,
            content_type=attachment.content_type,
            size=len(attachment.content),
            content_id=attachment.content_id and attachment.content_id[:998],
            inline=attachment.inline,
            content=attachment.content,
        )
        for attachment in mail.attachments
    ]
    session.add_all(stored)
    await session.flush()
    summaries = [
        {
            "id": item.id,
            "filename": item.filename,
            "content_type": item.content_type,
            "size": item.size,
            "inline": item.inline,
        }
        for item in stored
    ]
    await tickets_service.set_entry_data(
        session, entry=entry, data=data | {"attachments": summaries}
    )


async def get_inbound_original(
    session: AsyncSession, *, ticket: Ticket, entry_id: int
) -> tuple[bytes, str]:
    """The message an entry was received or sent as, in RFC 5322 form, and a file name for it.
    The caller has already checked that the agent may see the ticket."""
    inbound = await session.scalar(
        select(InboundMessage)
        .options(undefer(InboundMessage.raw))
        .where(InboundMessage.entry_id == entry_id, InboundMessage.ticket_id == ticket.id)
    )
    if inbound is not None:
        return inbound.raw, f"message-{inbound.id}.eml"
    outgoing = await session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.entry_id == entry_id, OutboxMessage.ticket_id == ticket.id
        )
    )
    if outgoing is not None:
        return render_outbox(outgoing), f"sent-{outgoing.id}.eml"
    raise NotFound("This entry was not an email, so there is no original message.")


async def get_attachment(
    session: AsyncSession, *, ticket: Ticket, attachment_id: int
) -> MailAttachment:
    attachment = await session.scalar(
        select(MailAttachment)
        .options(undefer(MailAttachment.content))
        .where(MailAttachment.id == attachment_id, MailAttachment.ticket_id == ticket.id)
    )
    if attachment is None:
        raise NotFound("No such attachment on this ticket.")
    return attachment


async def list_inbound(
    session: AsyncSession, *, status: InboundStatus | None, limit: int, offset: int
) -> Sequence[InboundMessage]:
    query = select(InboundMessage).order_by(InboundMessage.id.desc()).limit(limit).offset(offset)
    if status is not None:
        query = query.where(InboundMessage.status == status)
    return (await session.scalars(query)).all()


async def get_inbound(session: AsyncSession, *, inbound_id: int) -> InboundMessage:
    inbound = await session.scalar(
        select(InboundMessage)
        .options(undefer(InboundMessage.raw))
        .where(InboundMessage.id == inbound_id)
    )
    if inbound is None:
        raise NotFound("No such inbound message.")
    return inbound
