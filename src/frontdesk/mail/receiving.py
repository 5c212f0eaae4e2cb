"""Receiving mail, from the SMTP listener or the HTTP endpoint: each message is kept as it
arrived, matched to its ticket (mail/matching.py) and added to the thread with its visible text and
attachments, or refused with the reason recorded. Also the reads of what arrived."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, NoReturn

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import undefer

from frontdesk.assignment import out_of_office as away_tickets
from frontdesk.config import Settings
from frontdesk.customers import service as customers_service
from frontdesk.db.context import settings_of
from frontdesk.db.session import unit_of_work
from frontdesk.errors import NotFound
from frontdesk.files.sniff import HEAD_BYTES, RASTER_TYPES, FileRefused, sniff
from frontdesk.files.store import file_store
from frontdesk.files.thumbnails import thumbnail_of
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.clock import utcnow
from frontdesk.kit.text import normalize_email
from frontdesk.mail import inbound as parsing
from frontdesk.mail import lists, retired, statements
from frontdesk.mail.addresses import ticket_from_reply_address
from frontdesk.mail.errors import InboundRefused, MalformedMessage, MessageTooLarge, Unroutable
from frontdesk.mail.matching import (
    Known,
    addressed_inbox,
    clean_address,
    in_mail_domain,
    is_our_address,
    matching_ticket,
    thread_ids,
)
from frontdesk.mail.models import InboundMessage, InboundStatus, MailAttachment, OutboxMessage
from frontdesk.mail.outbound import MAX_EXTRA_RECIPIENTS
from frontdesk.mail.outbox import render_outbox
from frontdesk.metrics import record as metrics
from frontdesk.side_conversations import receiving as side_receiving
from frontdesk.side_conversations.addresses import side_from_address
from frontdesk.spam import senders
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Direction, EntryKind, Ticket, TicketState, TicketType

REOPENED_BY_REPLY = frozenset({TicketState.hold, TicketState.snoozed, TicketState.closed})
# How long a message without a Message-ID is recognised when the same bytes come again: as long
# as a sending server keeps retrying a delivery (RFC 5321 asks for 4-5 days). Past it, the same
# bytes are taken for a new message (a device that sends the same alert again).
REPEAT_WINDOW = timedelta(days=5)


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


# (width, height, thumbnail) of an image attachment (files/thumbnails.py).
DrawnThumbnail = tuple[int, int, bytes]


@dataclass(frozen=True, kw_only=True)
class Prepared(Delivery):
    """A delivery parsed, with its images' thumbnails drawn: what `prepare` does before the
    transaction that stores it."""

    # The message; why it could not be parsed; None when it is too large to be.
    parsed: parsing.ParsedMail | str | None
    # One for each of the message's attachments: None for a part that is not an image, and for
    # an inline one (not listed on the entry, so never shown as a thumbnail). None instead of
    # the tuple when they were not drawn: a message taken for one received already (drawn in the
    # transaction should it turn out new), or one that could not be parsed.
    thumbnails: tuple[DrawnThumbnail | None, ...] | None = None


InboundOutcome = InboundResult | InboundRefused


def _envelope_sender(envelope_from: str | None) -> str | None:
    if not envelope_from:
        return None
    return parsing.readable(envelope_from)[:998] or None


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
    goes, so each message sees what the ones before it wrote. Deliveries not `prepare`d yet are
    prepared here, in the caller's transaction."""
    settings = settings_of(session)
    arrivals = [_arrival(settings, delivery) for delivery in await prepare(deliveries)]
    known = await Known.load(
        session,
        message_ids=[
            message_id
            for arrival in arrivals
            if arrival.mail is not None
            for message_id in (arrival.mail.message_id, *arrival.wanted)
            if message_id
        ],
        ticket_ids=[
            ticket_id
            for arrival in arrivals
            if arrival.mail is not None
            for ticket_id in arrival.reply_ticket_ids
        ],
    )
    # The side conversations' messages they carry or answer, read once for the batch too.
    side_known = await side_receiving.SideKnown.load(
        session,
        message_ids=[
            message_id
            for arrival in arrivals
            if arrival.mail is not None
            for message_id in (arrival.mail.message_id, *arrival.wanted)
            if message_id
        ],
    )
    # Blocked senders (docs/email.md), looked up once for the batch.
    blocked = await senders.BlockedAmong.load(
        session, addresses=[a.mail.from_address for a in arrivals if a.mail is not None]
    )
    # Assignees out of office, read once for the batch when an answer needs it.
    away = away_tickets.AwayAssignees(utcnow())
    outcomes: list[InboundOutcome] = []
    replied: list[tuple[Ticket, str]] = []
    for arrival in arrivals:
        try:
            outcomes.append(
                await _receive(session, arrival, known, replied, blocked, away, side_known)
            )
        except InboundRefused as refused:
            outcomes.append(refused)
    # The assignees and followers of the tickets answered, told once for the batch.
    await tickets_service.tell_customer_replied(session, replies=replied)
    return outcomes


async def prepare(
    deliveries: Sequence[Delivery],
    *,
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
) -> list[Prepared]:
    """The deliveries parsed and their images' thumbnails drawn, for `receive_inbound_batch`.
    Callers do it before they open the transaction that stores them: a big image takes a while to
    decode, and waits behind the uploads' decodes (one at a time per process), and on SQLite a
    transaction holds the process's one connection and the write lock, so every other request
    would wait with it. The thumbnails are kept in memory until they are written in their
    attachments' rows, so a batch that fails or rolls back leaves no bytes behind to delete.

    With `sessionmaker`, a message with images is first looked up by its Message-ID: one already
    received (fetched again over IMAP, an SMTP delivery retried) will be ignored, so its images
    are not decoded for nothing; nor are a second copy's in the same batch. The transaction's own
    check stays the one that counts: copies arriving at once at two processes are both drawn and
    one is stored, and a message whose earlier copy is gone by then has its images drawn in the
    transaction."""
    # Those prepared already stay as they are (thumbnails left undrawn included).
    parsed = [
        (delivery, None) if isinstance(delivery, Prepared) else _parsed(delivery)
        for delivery in deliveries
    ]
    waiting = [item for item, mail in parsed if mail is not None]
    # Received already, or earlier in this batch (the transaction keeps the first copy).
    seen = await _received_before(sessionmaker, waiting) if sessionmaker and waiting else set()
    prepared: list[Prepared] = []
    for item, mail in parsed:
        if mail is not None and not (mail.message_id and mail.message_id in seen):
            item = replace(item, thumbnails=await _thumbnails(mail))
        if mail is not None and mail.message_id:
            seen.add(mail.message_id)
        prepared.append(item)
    return prepared


def _parsed(delivery: Delivery) -> tuple[Prepared, parsing.ParsedMail | None]:
    """The delivery parsed, and the message when it has images to draw: attachments that are
    kept (not refused as too large), not inline, and raster images by their first bytes. Any
    other message is prepared whole: nothing of it is left to draw."""
    parsed: parsing.ParsedMail | str | None = None
    if len(delivery.raw) <= parsing.MAX_MESSAGE_BYTES:
        try:
            parsed = parsing.parse_message(delivery.raw)
        except parsing.MalformedMail as exc:
            parsed = str(exc)
    item = Prepared(
        delivery.raw, delivery.envelope_to, delivery.envelope_from, delivery.via, parsed=parsed
    )
    if not isinstance(parsed, parsing.ParsedMail):
        return item, None
    if parsed.attachment_bytes <= parsing.MAX_ATTACHMENT_BYTES and any(
        _drawable(attachment) for attachment in parsed.attachments
    ):
        return item, parsed
    return replace(item, thumbnails=(None,) * len(parsed.attachments)), None


def _drawable(attachment: parsing.Attachment) -> bool:
    return not attachment.inline and sniff(attachment.content[:HEAD_BYTES]) in RASTER_TYPES


async def _received_before(
    sessionmaker: async_sessionmaker[AsyncSession], items: Sequence[Prepared]
) -> set[str]:
    """Which of the messages' Message-IDs an entry already has. A read of its own, committed
    before the decoding starts: nothing is held while the images are drawn."""
    message_ids = [
        item.parsed.message_id[:998]
        for item in items
        if isinstance(item.parsed, parsing.ParsedMail) and item.parsed.message_id
    ]
    if not message_ids:
        return set()
    async with unit_of_work(sessionmaker) as session:
        found = await tickets_service.entries_by_message_id(session, message_ids=message_ids)
    return set(found)


async def _thumbnails(mail: parsing.ParsedMail) -> tuple[DrawnThumbnail | None, ...]:
    return tuple(
        [
            await mail_thumbnail(attachment.content) if _drawable(attachment) else None
            for attachment in mail.attachments
        ]
    )


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
    # Its attachments' thumbnails (Prepared.thumbnails), None when not drawn yet.
    thumbnails: tuple[DrawnThumbnail | None, ...] | None = None
    # Side conversations named by a valid reply address among its recipients
    # (side_conversations/receiving.py).
    side_ids: list[int] = field(default_factory=list)

    @property
    def mail(self) -> parsing.ParsedMail | None:
        return self.parsed if isinstance(self.parsed, parsing.ParsedMail) else None


def _arrival(settings: Settings, delivery: Prepared) -> _Arrival:
    raw = delivery.raw
    envelope_from = delivery.envelope_from
    envelope = [clean_address(address) for address in delivery.envelope_to or () if address.strip()]
    # Inserted once its outcome is known: one INSERT instead of an INSERT and an UPDATE.
    record: dict[str, Any] = {
        "via": delivery.via,
        "envelope_from": _envelope_sender(envelope_from),
        "envelope_to": envelope,
        "raw": raw,
        "size": len(raw),
        "headers": {},
    }
    mail = delivery.parsed
    if mail is None:
        record["raw"] = parsing.header_section(raw)
        error = MessageTooLarge(parsing.MAX_MESSAGE_BYTES, what="a message")
        return _Arrival(record, envelope, (InboundStatus.rejected, error))
    if isinstance(mail, str):
        return _Arrival(record, envelope, (InboundStatus.failed, MalformedMessage(mail)))
    record["message_id"] = mail.message_id and mail.message_id[:998]
    if not mail.message_id:
        # Nothing else tells a sender's retry of it from a new message (`_delivered_before`).
        record["raw_digest"] = hashlib.sha256(raw).hexdigest()
    record["subject"] = mail.subject[:998]
    record["from_address"] = mail.from_address[:998]
    record["headers"] = mail.headers
    if mail.attachment_bytes > parsing.MAX_ATTACHMENT_BYTES:
        error = MessageTooLarge(parsing.MAX_ATTACHMENT_BYTES, what="its attachments together")
        return _Arrival(record, envelope, (InboundStatus.rejected, error))
    arrival = _Arrival(record, envelope, mail, thumbnails=delivery.thumbnails)
    arrival.wanted = thread_ids(mail)
    for address in (*envelope, *mail.to, *mail.cc, *mail.delivered_to):
        ticket_id = ticket_from_reply_address(
            settings.secret, address, mail_domain=settings.mail_domain
        )
        if ticket_id is not None:
            arrival.reply_ticket_ids.append(ticket_id)
        side_id = side_from_address(settings.secret, address, mail_domain=settings.mail_domain)
        if side_id is not None and side_id not in arrival.side_ids:
            arrival.side_ids.append(side_id)
    return arrival


async def _receive(
    session: AsyncSession,
    arrival: _Arrival,
    known: Known,
    replied: list[tuple[Ticket, str]],
    blocked_senders: senders.BlockedAmong,
    away: away_tickets.AwayAssignees,
    side_known: side_receiving.SideKnown,
) -> InboundResult:
    record, mail = arrival.record, arrival.parsed
    if not isinstance(mail, parsing.ParsedMail):
        await _refuse(session, record, *mail)
    # Through a list or group: its author, and whether it is a person's mail (mail/lists.py).
    mail = await lists.as_written(session, mail, settings=settings_of(session))
    record["from_address"] = mail.from_address[:998]

    # One query for the batch answered both "have we seen this message?" and "which thread does
    # it answer?".
    seen = known.entries.get(mail.message_id) if mail.message_id else None
    if seen is None and "raw_digest" in record:
        seen = await _delivered_before(session, record["raw_digest"], envelope=arrival.envelope)
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
    side = await _side_conversation(session, arrival, mail, blocked_senders, side_known)
    if side is not None:
        return side

    ticket, matched_by = await matching_ticket(
        session, known=known, reply_ticket_ids=arrival.reply_ticket_ids, wanted=arrival.wanted
    )
    created = False
    # A blocked sender's mail is kept, on a ticket filed straight in Spam (docs/email.md,
    # "Blocked senders"); an answer to a ticket that is not spam does not reopen or reach it: a
    # new ticket in Spam, in the same inbox.
    blocked = await blocked_senders.of(session, address=mail.from_address)
    blocked_inbox = None
    if blocked and ticket is not None and ticket.state is not TicketState.spam:
        blocked_inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=ticket.inbox_id)
        ticket = None
    if ticket is None:
        if mail.is_auto:
            # An out-of-office or bounce that answers nothing of ours: no ticket, no reply.
            reason = f"automatic message ({mail.auto_reason}) that matches no ticket"
            inbound_id = await _save(session, record, InboundStatus.ignored, error=reason)
            return InboundResult(
                status=InboundStatus.ignored, inbound_id=inbound_id, auto=True, reason=reason
            )
        # A reply to a deleted ticket's address: a new ticket in the inbox it was in, which
        # the address names better than any inbox address the mail was also copied to.
        deleted = await retired.inbox_of_deleted(session, ticket_ids=arrival.reply_ticket_ids)
        inbox = (
            blocked_inbox
            or (deleted[1] if deleted is not None else None)
            or await addressed_inbox(session, mail=mail, envelope=arrival.envelope)
        )
        if inbox is None:
            await _refuse(session, record, InboundStatus.rejected, Unroutable())
        if await is_our_address(session, address=mail.from_address, settings=settings_of(session)):
            # Not a customer: its ticket's replies would go to ourselves, and be dropped as our
            # own mail coming back, with nobody the wiser.
            reason = f"sent from one of our own addresses ({mail.from_address})"
            inbound_id = await _save(session, record, InboundStatus.ignored, error=reason)
            return InboundResult(status=InboundStatus.ignored, inbound_id=inbound_id, reason=reason)
        customer = await customers_service.find_or_create(
            session, email=mail.from_address, name=mail.from_name[:200], verified=True
        )
        ticket = await tickets_service.create_ticket(
            session,
            inbox=inbox,
            customer=customer,
            subject=mail.subject[:300],
            type=TicketType.email,
            state=TicketState.spam if blocked else TicketState.open,
            # The author's address (mail/lists.py), not a list's: where the answer goes.
            reply_address=mail.from_address,
        )
        created, unexpected = True, False
        matched_by = "inbox address" if deleted is None else "reply address of a deleted ticket"
        if blocked_inbox is not None:
            matched_by = "blocked sender's answer, kept apart"
        if deleted is not None:
            await tickets_service.log_event(
                session,
                ticket=ticket,
                actor=None,
                text="This email answers mail about a ticket that was deleted since; "
                "nothing of that conversation is kept.",
                deleted_ticket_id=deleted[0],
            )
        author_id: int | None = customer.id
        customer_emails: Collection[str] = [mail.from_address]
    else:
        sender = await known.sender(session, ticket.customer_id)
        unexpected = not mail.is_auto and mail.from_address not in sender.emails
        # A stranger holding the reply address is shown as the sender they claim, not as the
        # customer: the agent decides whether to trust it. A bounce, and any other delivery
        # report (a delay warning), is the mail server's.
        by_server = mail.bounce or bool(mail.recipients)
        author_id = sender.customer_id if not unexpected and not by_server else None
        if author_id is not None and not mail.is_auto and ticket.reply_address != mail.from_address:
            # The customer wrote from another of their addresses: the conversation is with the
            # one they wrote from last, and the answer goes there (docs/email.md).
            ticket.reply_address = mail.from_address
        if not unexpected and not mail.is_auto:
            await known.proven(session, ticket.customer_id)
        customer_emails = sender.emails
    if not unexpected and not mail.is_auto:
        await _remember_copied(
            session,
            ticket,
            mail=mail,
            customer_emails=customer_emails,
            envelope=arrival.envelope,
        )

    data = _entry_data(mail, matched_by=matched_by, unexpected=unexpected)
    # Our mails this one answers (In-Reply-To, References), read with the batch: their text
    # pasted under the reply without a marker is history (mail/visible/sent.py).
    sent = [] if created else known.answered_texts(arrival.wanted, ticket_id=ticket.id)
    entry, visible = await _add_inbound_entry(
        session, ticket=ticket, mail=mail, author_id=author_id, data=data, sent=sent
    )
    known.added(mail.message_id, entry, ticket)
    if not created and not mail.is_auto:
        # A customer's answer on an existing ticket (not an auto-reply or a bounce).
        replied.append((ticket, visible))
    if not unexpected and not mail.is_auto:
        await metrics.customer_replied(session, ticket=ticket, at=ticket.updated_at)
    reopened = False
    if not created and not mail.is_auto and ticket.state in REOPENED_BY_REPLY:
        await tickets_service.update_ticket(
            session, actor=None, ticket=ticket, state=TicketState.open
        )
        reopened = True
    if not created and not mail.is_auto and not unexpected:
        # Its assignee away: back to the team (assignment/out_of_office.py).
        await away_tickets.customer_answered(session, ticket=ticket, away=away)
    inbound_id = await _save(
        session, record, InboundStatus.processed, ticket_id=ticket.id, entry_id=entry.id
    )
    if mail.attachments:
        thumbnails = arrival.thumbnails
        if thumbnails is None:
            # Taken for a copy already received before the transaction, and that copy is gone
            # now (its ticket deleted meanwhile): drawn here, rarely.
            thumbnails = await _thumbnails(mail)
        await _store_attachments(
            session, inbound_id, entry=entry, mail=mail, data=data, thumbnails=thumbnails
        )
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


async def _side_conversation(
    session: AsyncSession,
    arrival: _Arrival,
    mail: parsing.ParsedMail,
    blocked_senders: senders.BlockedAmong,
    side_known: side_receiving.SideKnown,
) -> InboundResult | None:
    """A message that answers a side conversation, kept as received and added to it
    (side_conversations/receiving.py), never to the customer's thread; None when it answers
    none. A copy of a side conversation's message (ours coming back, or one received before)
    is ignored, as a ticket's is. A blocked sender's answer is added marked, telling nobody."""
    record = arrival.record
    # Matched (and locked) first: a copy delivered at the same moment to another process waits
    # for this one, then finds it below, instead of failing on the unique Message-ID.
    found = await side_receiving.matching(
        session,
        known=side_known,
        side_ids=arrival.side_ids,
        ticket_reply_named=bool(arrival.reply_ticket_ids),
        wanted=arrival.wanted,
    )
    copy = (
        await side_known.seen_under_lock(session, mail.message_id)
        if found is not None
        else side_known.seen_before(mail.message_id)
    )
    if copy is not None:
        reason = (
            "our own message came back"
            if copy.direction is Direction.outbound
            else f"already received (side conversation message {copy.id})"
        )
        inbound_id = await _save(session, record, InboundStatus.ignored, error=reason)
        return InboundResult(
            status=InboundStatus.ignored, inbound_id=inbound_id, auto=mail.is_auto, reason=reason
        )
    if found is None:
        return None
    # Kept with the ticket's id, so that it goes with the ticket (retention, an erasure).
    inbound_id = await _save(session, record, InboundStatus.processed, ticket_id=found.ticket.id)
    blocked = await blocked_senders.of(session, address=mail.from_address)
    received = await side_receiving.receive(
        session, found=found, mail=mail, inbound_id=inbound_id, blocked=blocked
    )
    side_known.add(mail.message_id, received)
    if mail.attachments:
        # Stored as a ticket's mail's are, on the side conversation's ticket, and linked to its
        # message: served to the agents who see the ticket, never listed for the customer.
        thumbnails = arrival.thumbnails
        if thumbnails is None:
            thumbnails = await _thumbnails(mail)
        summaries = await _attachment_rows(
            session, inbound_id, ticket_id=found.ticket.id, entry_id=None, mail=mail,
            thumbnails=thumbnails,
        )  # fmt: skip
        await side_receiving.attach_received(
            session, message_id=received.message_id, attachments=summaries
        )
    return InboundResult(
        status=InboundStatus.processed,
        inbound_id=inbound_id,
        ticket_id=found.ticket.id,
        ticket_number=found.ticket.number,
        reopened=received.reopened,
        auto=mail.is_auto,
        unexpected_sender=received.unexpected_sender,
        matched_by=found.matched_by,
    )


async def _delivered_before(
    session: AsyncSession, digest: str, *, envelope: Collection[str]
) -> tickets_service.EntryRef | None:
    """The entry of an earlier delivery of the same bytes to the same recipients (so the same
    inbox) within REPEAT_WINDOW, for a message without a Message-ID: the sending server
    retrying a delivery whose answer it did not get, an IMAP message fetched again, a provider
    posting twice. Its own transaction's earlier messages count too (their rows are written)."""
    rows = await session.execute(
        statements.REPEATS, {"p_digest": digest, "p_since": utcnow() - REPEAT_WINDOW}
    )
    for earlier_to, ticket_id, entry_id in rows:
        if set(earlier_to or ()) == set(envelope) and ticket_id is not None:
            return tickets_service.EntryRef(entry_id, ticket_id, EntryKind.reply, Direction.inbound)
    return None


async def _remember_copied(
    session: AsyncSession,
    ticket: Ticket,
    *,
    mail: parsing.ParsedMail,
    customer_emails: Collection[str],
    envelope: Collection[str],
) -> None:
    """Whom the customer's mail also went to (its Cc, and its To besides us), kept on the ticket
    so the next reply offers them, as "reply all" would. Our own addresses and the customer's
    are left out (the envelope's recipients are ours: the mail was delivered to us at them); the
    list keeps its first MAX_EXTRA_RECIPIENTS."""
    settings = settings_of(session)
    # A list's own address is the desk's way in, not a person to copy.
    listed = mail.mailing_list.addresses if mail.mailing_list is not None else ()
    skip = {
        normalize_email(address) for address in (*ticket.cc, *customer_emails, *envelope, *listed)
    }
    added: list[str] = []
    for address in dict.fromkeys((*mail.cc, *mail.to)):
        if address in skip or in_mail_domain(settings, address):
            continue
        skip.add(address)
        if await inboxes_service.get_inbox_by_address(session, address=address) is None:
            added.append(address)
    if added:
        ticket.cc = [*ticket.cc, *added][:MAX_EXTRA_RECIPIENTS]


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
        envelope_to=[clean_address(address) for address in envelope_to or ()],
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
    if mail.sent_as is not None:
        # The From a list rewrote: the desk shows the author, and keeps how it came.
        data["via"] = mail.sent_as
    if mail.mailing_list is not None:
        listed = mail.mailing_list
        data["mailing_list"] = listed.list_id or ", ".join(listed.addresses) or "unnamed"
    if mail.bounce:
        # The desk shows it as a bounce: someone did not get the mail it names.
        data["bounce"] = True
    if mail.recipients:
        # Who it failed for, who it is delayed for, who got it: a reply copied to several people
        # may have all three.
        data["delivery_status"] = [
            {
                "recipient": recipient.recipient,
                "action": recipient.action,
                "status": recipient.status,
                "diagnostic": recipient.diagnostic,
                "failed": recipient.failed,
            }
            for recipient in mail.recipients
        ]
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
    sent: Sequence[str],
) -> tuple[tickets_service.EntryRef, str]:
    """The entry, and its visible text (what the customer wrote, without the quoted history)."""
    visible, data["quoted"] = mail.split(sent=sent)
    entry = await tickets_service.append_entry(
        session,
        ticket=ticket,
        kind=EntryKind.reply,
        direction=Direction.inbound,
        text=visible,
        html=parsing.sanitize_html(mail.html) if mail.html else None,
        author_customer_id=author_id,
        message_id=mail.message_id and mail.message_id[:998],
        data=data,
        automatic=mail.is_auto,
    )
    return entry, visible


async def _store_attachments(
    session: AsyncSession,
    inbound_id: int,
    *,
    entry: tickets_service.EntryRef,
    mail: parsing.ParsedMail,
    data: dict[str, Any],
    thumbnails: Sequence[DrawnThumbnail | None],
) -> None:
    summaries = await _attachment_rows(
        session,
        inbound_id,
        ticket_id=entry.ticket_id,
        entry_id=entry.id,
        mail=mail,
        thumbnails=thumbnails,
    )
    await tickets_service.set_entry_data(
        session, entry=entry, data=data | {"attachments": summaries}
    )


async def _attachment_rows(
    session: AsyncSession,
    inbound_id: int,
    *,
    ticket_id: int,
    entry_id: int | None,
    mail: parsing.ParsedMail,
    thumbnails: Sequence[DrawnThumbnail | None],
) -> list[dict[str, Any]]:
    """The mail's attachments stored, with their thumbnails, on the ticket (an entry's, or with
    no entry a side conversation's message's); how the message lists them (`data.attachments`)."""
    stored = []
    for attachment, thumbnail in zip(mail.attachments, thumbnails, strict=True):
        stored.append(
            MailAttachment(
                inbound_id=inbound_id,
                ticket_id=ticket_id,
                entry_id=entry_id,
                filename=attachment.filename,
                content_type=attachment.content_type,
                size=len(attachment.content),
                content_id=attachment.content_id and attachment.content_id[:998],
                inline=attachment.inline,
                content=attachment.content,
                thumbnail=thumbnail[2] if thumbnail else None,
                width=thumbnail[0] if thumbnail else None,
                height=thumbnail[1] if thumbnail else None,
            )
        )
    session.add_all(stored)
    await session.flush()
    return [
        {
            "id": item.id,
            "filename": item.filename,
            "content_type": item.content_type,
            "size": item.size,
            "inline": item.inline,
            "image": item.width is not None,
            "width": item.width,
            "height": item.height,
        }
        for item in stored
    ]


async def mail_thumbnail(content: bytes) -> tuple[int, int, bytes] | None:
    """(width, height, thumbnail) of an attachment that is a raster image by its bytes (what the
    sender's mail program called it does not count), or None: a part that only starts like an
    image stays a download."""
    if sniff(content[:HEAD_BYTES]) not in RASTER_TYPES:
        return None
    try:
        # In the process's decoding pool, with the uploads' (files/thumbnails.py).
        return await thumbnail_of(content)
    except FileRefused:
        return None


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
        store = file_store(settings_of(session))
        raw = await render_outbox(outgoing, store=store, session=session)
        return raw, f"sent-{outgoing.id}.eml"
    raise NotFound("This entry was not an email, so there is no original message.")


async def get_attachment(
    session: AsyncSession, *, ticket: Ticket, attachment_id: int, thumbnail: bool = False
) -> MailAttachment:
    """With its bytes, or with `thumbnail` its thumbnail's only (a list of images asks for many)."""
    attachment = await session.scalar(
        select(MailAttachment)
        .options(undefer(MailAttachment.thumbnail if thumbnail else MailAttachment.content))
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
