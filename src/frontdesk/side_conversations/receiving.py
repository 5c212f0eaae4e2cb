"""Mail that answers a side conversation (docs/email.md, "Side conversations"): found by the side
conversation's reply address among the recipients, else, when no ticket's reply address is
among them, by the Message-IDs it answers (In-Reply-To, References, a bounce's report). Called by
mail/receiving.py for each inbound message before it looks for a ticket; the message is kept as
received there, and added here to the side conversation, never to the customer's thread.

A sender who is not a participant (a colleague of theirs the mail was passed on to) is
accepted, by the token as the ticket's reply address accepts a stranger, and marked
`unexpected_sender`; they are not made a participant. The ticket's state is left alone; the
ticket's assignee is told (the customer-reply notification, its params naming the side
conversation) and the side conversation shows "new reply". A reply to a closed one reopens it;
an automatic answer (out of office) neither reopens it nor tells anyone, a bounce does both. A
blocked sender's answer (docs/email.md, "Blocked senders") is kept in it, marked
`blocked_sender`, and does neither. Its attachments are stored as a ticket's mail's are, on the
side conversation's ticket, and linked to the message (`attach_received`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.kit.clock import utcnow
from frontdesk.mail import inbound as parsing
from frontdesk.notifications import service as notifications_service
from frontdesk.notifications.models import NotificationKind
from frontdesk.realtime.catalogue import NotificationParams
from frontdesk.side_conversations import events
from frontdesk.side_conversations.models import (
    SideConversation,
    SideConversationFile,
    SideConversationState,
    SideMessage,
)
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Direction, Ticket


@dataclass(frozen=True)
class Found:
    """The side conversation a message answers, locked with its ticket, and how it matched."""

    conversation: SideConversation
    ticket: Ticket
    matched_by: str


@dataclass(frozen=True)
class Received:
    conversation_id: int
    message_id: int
    reopened: bool
    unexpected_sender: bool


@dataclass(frozen=True)
class KnownMessage:
    id: int
    side_conversation_id: int
    direction: Direction


@dataclass
class SideKnown:
    """The side conversations' messages an inbound batch's messages carry or answer, by
    Message-ID: read once for the batch (as mail/matching.py `Known` reads the tickets' entries),
    kept up to date as the batch adds to them, so that a copy later in the same batch is seen."""

    messages: dict[str, KnownMessage]

    @classmethod
    async def load(cls, session: AsyncSession, *, message_ids: Iterable[str]) -> SideKnown:
        wanted = list(dict.fromkeys(message_id[:998] for message_id in message_ids))
        if not wanted:
            return cls({})
        rows = await session.execute(
            select(
                SideMessage.message_id,
                SideMessage.id,
                SideMessage.side_conversation_id,
                SideMessage.direction,
            ).where(SideMessage.message_id.in_(wanted))
        )
        return cls(
            {
                str(message_id): KnownMessage(int(id_), int(side_id), direction)
                for message_id, id_, side_id, direction in rows
            }
        )

    def seen_before(self, message_id: str | None) -> KnownMessage | None:
        """A side conversation's message with this Message-ID: ours coming back, or a copy of
        one received already."""
        return self.messages.get(message_id[:998]) if message_id else None

    async def seen_under_lock(
        self, session: AsyncSession, message_id: str | None
    ) -> KnownMessage | None:
        """`seen_before`, read again once the side conversation is locked: a copy that another
        process received while this batch waited is found, not inserted twice."""
        known = self.seen_before(message_id)
        if known is not None or not message_id:
            return known
        row = (
            await session.execute(
                select(
                    SideMessage.id, SideMessage.side_conversation_id, SideMessage.direction
                ).where(SideMessage.message_id == message_id[:998])
            )
        ).first()
        return KnownMessage(int(row[0]), int(row[1]), row[2]) if row is not None else None

    def add(self, message_id: str | None, received: Received) -> None:
        if message_id:
            self.messages[message_id[:998]] = KnownMessage(
                received.message_id, received.conversation_id, Direction.inbound
            )


async def matching(
    session: AsyncSession,
    *,
    known: SideKnown,
    side_ids: Sequence[int],
    ticket_reply_named: bool,
    wanted: Sequence[str],
) -> Found | None:
    """The side conversation the message answers, or None (then it is the ticket path's)."""
    candidates = [(side_id, "side conversation address") for side_id in side_ids]
    if not candidates and not ticket_reply_named:
        candidates = [
            (found.side_conversation_id, "side conversation thread")
            for found in map(known.seen_before, wanted)
            if found is not None
        ]
    for side_id, matched_by in candidates:
        conversation = await session.get(SideConversation, side_id)
        if conversation is None:
            # Gone with its ticket: the mail is the ticket path's (a new ticket, or refused).
            continue
        # The ticket first, then the side conversation: the order the desk's writes take.
        ticket = await tickets_service.lock_ticket(session, ticket_id=conversation.ticket_id)
        locked = await session.scalar(
            select(SideConversation)
            .where(SideConversation.id == side_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if ticket is None or locked is None:
            continue
        if locked.ticket_id != ticket.id:
            # Moved by a merge or its undo while this waited.
            ticket = await tickets_service.lock_ticket(session, ticket_id=locked.ticket_id)
            if ticket is None:
                continue
        return Found(locked, ticket, matched_by)
    return None


async def receive(
    session: AsyncSession,
    *,
    found: Found,
    mail: parsing.ParsedMail,
    inbound_id: int,
    blocked: bool = False,
) -> Received:
    conversation, ticket = found.conversation, found.ticket
    unexpected = not mail.is_auto and mail.from_address not in conversation.participants
    visible, quoted = mail.split()
    data: dict[str, object] = {
        "subject": mail.subject,
        "from": f"{mail.from_name} <{mail.from_address}>" if mail.from_name else mail.from_address,
        "from_name": mail.from_name,
        "cc": mail.cc,
        "date": mail.date.isoformat() if mail.date else None,
        "quoted": quoted,
        "auto": mail.is_auto,
        "unexpected_sender": unexpected,
        "matched_by": found.matched_by,
        # Stored once the message has its id (`attach_received`).
        "attachments": [],
    }
    if mail.bounce:
        data["bounce"] = True
    if blocked:
        # Kept where it belongs, but heard by nobody: no reopening, no "new reply", no one told.
        data["blocked_sender"] = True
    now = utcnow()
    message = SideMessage(
        side_conversation_id=conversation.id,
        direction=Direction.inbound,
        author_user_id=None,
        from_address=mail.from_address[:998],
        to=list(mail.to),
        text=visible,
        html=parsing.sanitize_html(mail.html) if mail.html else None,
        message_id=mail.message_id and mail.message_id[:998],
        inbound_id=inbound_id,
        data=data,
        created_at=now,
    )
    session.add(message)
    conversation.last_message_at = now
    heard = (not mail.is_auto or mail.bounce) and not blocked
    reopened = False
    if heard:
        conversation.new_reply = True
        if conversation.state is SideConversationState.closed:
            conversation.state = SideConversationState.open
            conversation.closed_at = None
            reopened = True
    await session.flush()
    events.changed(
        session, ticket=ticket, side_conversation_id=conversation.id, change="received", by=None
    )
    if heard and ticket.assignee_id is not None:
        # Names the side conversation: the desk and the push say it is not the customer.
        params = NotificationParams(
            number=ticket.number,
            subject=ticket.subject,
            excerpt=notifications_service.excerpt(f"{mail.from_address}: {visible}"),
            side_conversation_id=conversation.id,
        )
        await notifications_service.notify(
            session,
            kind=NotificationKind.customer_replied,
            user_ids=[ticket.assignee_id],
            actor=None,
            about=notifications_service.About(inbox_id=ticket.inbox_id, ticket_id=ticket.id),
            params=params,
        )
    return Received(conversation.id, message.id, reopened, unexpected)


async def attach_received(
    session: AsyncSession, *, message_id: int, attachments: Sequence[dict[str, Any]]
) -> None:
    """The received mail's attachments, stored by mail/receiving.py as a ticket's mail's are
    (`mail_attachments`, bytes and thumbnails on the side conversation's ticket), linked to the
    message and listed in its `data.attachments` as an entry lists them."""
    message = await session.get(SideMessage, message_id)
    if message is None or not attachments:
        return
    session.add_all(
        SideConversationFile(side_message_id=message_id, mail_attachment_id=item["id"])
        for item in attachments
    )
    message.data = {**(message.data or {}), "attachments": list(attachments)}
    await session.flush()
