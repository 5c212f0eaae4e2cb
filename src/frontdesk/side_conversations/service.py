"""Side conversations: who may read and write them, starting one, replying, closing and
reopening (docs/desk.md, "Side conversations"). Mail that answers one is received by
side_conversations/receiving.py.

Every read and write goes through a ticket the agent sees (tickets/service.py `get_ticket`): an
agent of another inbox is told "no such side conversation". Every write locks the ticket's row
first, then the side conversation's, the order mail received takes too (mail/matching.py locks
the tickets, receiving.py the side conversation), so that two replies, or a reply and a close,
come one after the other and its state and last message time are what the last one left.

A message is an email from the ticket's inbox address, written to the outbox in the same
transaction as its row (mail/outbox.py sends it, with retries; a bounce comes back to the side
conversation by its Message-ID). Its Reply-To is the side conversation's own address
(side_conversations/addresses.py), never the ticket's: an answer lands in the side conversation,
never in the customer's thread."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import format_datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.context import settings_of
from frontdesk.errors import Conflict, Invalid, NotFound
from frontdesk.files import service as files_service
from frontdesk.files.models import StoredFile
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.clock import utcnow
from frontdesk.kit.text import normalize_email
from frontdesk.mail import outbound as mail_outbound
from frontdesk.mail.addresses import new_message_id
from frontdesk.mail.models import OutboxMessage, OutboxState
from frontdesk.side_conversations import events
from frontdesk.side_conversations.addresses import side_reply_address
from frontdesk.side_conversations.models import (
    MAX_PARTICIPANTS,
    MAX_PER_TICKET,
    SUBJECT_LENGTH,
    SideConversation,
    SideConversationState,
    SideMessage,
)
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Direction, EntryKind, Ticket, TicketEntry
from frontdesk.users.light_agents import ensure_full_agent
from frontdesk.users.models import User


@dataclass(frozen=True)
class Thread:
    """A side conversation with its messages, oldest first, and the names of their authors."""

    conversation: SideConversation
    messages: list[SideMessage]
    authors: dict[int, str]


async def _visible(session: AsyncSession, *, user: User, side_id: int) -> SideConversation:
    conversation = await session.get(SideConversation, side_id)
    if conversation is None:
        raise NotFound("No such side conversation.")
    try:
        await tickets_service.get_ticket(session, user=user, ticket_id=conversation.ticket_id)
    except NotFound:
        raise NotFound("No such side conversation.") from None
    return conversation


async def _lock(
    session: AsyncSession, *, user: User, side_id: int
) -> tuple[Ticket, SideConversation]:
    """The side conversation's ticket, then the side conversation, locked in that order, and
    read again: what another transaction committed while this one waited is what is acted on."""
    seen = await _visible(session, user=user, side_id=side_id)
    ticket = await tickets_service.lock_visible_ticket(session, user=user, ticket_id=seen.ticket_id)
    conversation = await lock_conversation(session, side_id=side_id)
    if conversation is None or conversation.ticket_id != ticket.id:
        # Moved by a merge or its undo meanwhile: acted on where it is now.
        return await _lock(session, user=user, side_id=side_id)
    return ticket, conversation


async def lock_conversation(session: AsyncSession, *, side_id: int) -> SideConversation | None:
    return await session.scalar(
        select(SideConversation)
        .where(SideConversation.id == side_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def list_for_ticket(
    session: AsyncSession, *, user: User, ticket_id: int
) -> tuple[Ticket, list[Thread]]:
    """The ticket's side conversations, oldest first, each with its messages."""
    ticket = await tickets_service.get_ticket(session, user=user, ticket_id=ticket_id)
    conversations = list(
        await session.scalars(
            select(SideConversation)
            .where(SideConversation.ticket_id == ticket.id)
            .order_by(SideConversation.id)
        )
    )
    return ticket, await _threads(session, conversations)


async def get_thread(session: AsyncSession, *, user: User, side_id: int) -> Thread:
    conversation = await _visible(session, user=user, side_id=side_id)
    (thread,) = await _threads(session, [conversation])
    return thread


async def _threads(
    session: AsyncSession, conversations: Sequence[SideConversation]
) -> list[Thread]:
    if not conversations:
        return []
    messages: dict[int, list[SideMessage]] = {c.id: [] for c in conversations}
    for message in await session.scalars(
        select(SideMessage)
        .where(SideMessage.side_conversation_id.in_(list(messages)))
        .order_by(SideMessage.id)
    ):
        messages[message.side_conversation_id].append(message)
    user_ids = {
        m.author_user_id for ms in messages.values() for m in ms if m.author_user_id is not None
    } | {c.created_by_id for c in conversations if c.created_by_id is not None}
    authors = (
        {
            int(i): str(n)
            for i, n in await session.execute(
                select(User.id, User.name).where(User.id.in_(sorted(user_ids)))
            )
        }
        if user_ids
        else {}
    )
    return [Thread(c, messages[c.id], authors) for c in conversations]


def _text(text: str, *, limit: int) -> str:
    if not text.strip():
        raise Invalid("text", "Write a message: it cannot be empty.", field_code="required")
    if len(text) > limit:
        raise Invalid("text", f"At most {limit} characters.", field_code="too_long", limit=limit)
    return text


async def _participants(session: AsyncSession, *, ticket: Ticket, to: Sequence[str]) -> list[str]:
    """The addresses, normalised, once each, in their order; the desk's own refused (the mail
    would come back to the desk), and more than MAX_PARTICIPANTS."""
    if not to:
        raise Invalid("to", "Say whom to write to: at least one address.", field_code="required")
    settings = settings_of(session)
    inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=ticket.inbox_id)
    own = [inbox.email_address] if inbox.email_address else []
    kept: list[str] = []
    for address in to:
        if mail_outbound.is_own_address(settings, address, inbox_addresses=own):
            raise Invalid(
                "to", f"{address} is this desk's own address; write to someone outside it."
            )
        if normalize_email(address) not in kept:
            kept.append(normalize_email(address))
    if len(kept) > MAX_PARTICIPANTS:
        raise Invalid(
            "to",
            f"At most {MAX_PARTICIPANTS} people in one side conversation; this one names "
            f"{len(kept)}.",
            field_code="too_long",
            limit=MAX_PARTICIPANTS,
        )
    return kept


async def _customer_last_message(session: AsyncSession, *, ticket: Ticket) -> str | None:
    """The customer's last email on the ticket, quoted the way mail clients quote."""
    entry = await session.scalar(
        select(TicketEntry)
        .where(
            TicketEntry.ticket_id == ticket.id,
            TicketEntry.kind == EntryKind.reply,
            TicketEntry.direction == Direction.inbound,
            TicketEntry.author_customer_id.is_not(None),
        )
        .order_by(TicketEntry.id.desc())
        .limit(1)
    )
    if entry is None:
        return None
    data = entry.data or {}
    who = data.get("from") or data.get("from_address") or "The customer"
    quoted = "\n".join(f"> {line}" if line else ">" for line in entry.text.splitlines())
    return f"On {format_datetime(entry.created_at)}, {who} wrote:\n{quoted}"


async def start(
    session: AsyncSession,
    *,
    user: User,
    ticket_id: int,
    to: Sequence[str],
    subject: str | None,
    text: str,
    include_last_message: bool = False,
    limit: int,
    attachment_ids: Sequence[int] = (),
    attachment_limit: int = 0,
) -> Thread:
    """A new side conversation on the ticket, its first email queued to `to`, with the author's
    uploads `attachment_ids` (files/service.py, checked as a reply's are) as its attachments. A
    light agent reads side conversations and writes none (users/light_agents.py)."""
    ensure_full_agent(user)
    ticket = await tickets_service.lock_visible_ticket(session, user=user, ticket_id=ticket_id)
    text = _text(text, limit=limit)
    tickets_service.ensure_not_spam(ticket, doing="starting a side conversation")
    if ticket.merged_into_id is not None:
        raise Conflict(
            "This ticket was merged into another one; start the side conversation there.",
            code="ticket_merged",
        )
    participants = await _participants(session, ticket=ticket, to=to)
    files = await files_service.pending_uploads(
        session, ticket=ticket, author=user, file_ids=attachment_ids, limit=attachment_limit
    )
    count = await session.scalar(
        select(func.count())
        .select_from(SideConversation)
        .where(SideConversation.ticket_id == ticket.id)
    )
    if (count or 0) >= MAX_PER_TICKET:
        raise Conflict(
            f"This ticket has {MAX_PER_TICKET} side conversations already; reply in one of them.",
            code="too_many_side_conversations",
        )
    subject = " ".join((subject or "").split())[:SUBJECT_LENGTH] or ticket.subject[:SUBJECT_LENGTH]
    if include_last_message:
        quoted = await _customer_last_message(session, ticket=ticket)
        if quoted is None:
            raise Invalid(
                "include_last_message",
                "The customer has not written an email on this ticket: leave it out.",
            )
        text = f"{text.rstrip()}\n\n{quoted}"
    now = utcnow()
    conversation = SideConversation(
        ticket_id=ticket.id,
        subject=subject,
        participants=participants,
        state=SideConversationState.open,
        created_by_id=user.id,
        created_at=now,
        last_message_at=now,
    )
    session.add(conversation)
    await session.flush()
    await _send(
        session, ticket=ticket, conversation=conversation, author=user, text=text, files=files
    )
    names = ", ".join(participants)
    await tickets_service.log_event(
        session,
        ticket=ticket,
        actor=user,
        text=f"{user.name} started a side conversation with {names}",
        side_conversation_id=conversation.id,
    )
    events.changed(
        session, ticket=ticket, side_conversation_id=conversation.id, change="created", by=user
    )
    await session.flush()
    (thread,) = await _threads(session, [conversation])
    return thread


async def reply(
    session: AsyncSession,
    *,
    user: User,
    side_id: int,
    text: str,
    limit: int,
    attachment_ids: Sequence[int] = (),
    attachment_limit: int = 0,
) -> SideMessage:
    """An email to the side conversation's participants, with the author's uploads
    `attachment_ids`; a closed one is reopened."""
    ensure_full_agent(user)
    ticket, conversation = await _lock(session, user=user, side_id=side_id)
    text = _text(text, limit=limit)
    tickets_service.ensure_not_spam(ticket, doing="replying in a side conversation")
    files = await files_service.pending_uploads(
        session, ticket=ticket, author=user, file_ids=attachment_ids, limit=attachment_limit
    )
    change: events.Change = "replied"
    if conversation.state is SideConversationState.closed:
        conversation.state = SideConversationState.open
        conversation.closed_at = None
        change = "reopened"
    message = await _send(
        session, ticket=ticket, conversation=conversation, author=user, text=text, files=files
    )
    conversation.new_reply = False
    events.changed(
        session, ticket=ticket, side_conversation_id=conversation.id, change=change, by=user
    )
    await session.flush()
    return message


async def set_state(
    session: AsyncSession, *, user: User, side_id: int, state: SideConversationState
) -> Thread:
    """Closes or reopens it; the same state again changes nothing (safe to retry)."""
    ensure_full_agent(user)
    ticket, conversation = await _lock(session, user=user, side_id=side_id)
    if conversation.state is not state:
        conversation.state = state
        conversation.closed_at = utcnow() if state is SideConversationState.closed else None
        conversation.new_reply = False
        events.changed(
            session,
            ticket=ticket,
            side_conversation_id=conversation.id,
            change="closed" if state is SideConversationState.closed else "reopened",
            by=user,
        )
        await session.flush()
    (thread,) = await _threads(session, [conversation])
    return thread


async def _send(
    session: AsyncSession,
    *,
    ticket: Ticket,
    conversation: SideConversation,
    author: User,
    text: str,
    files: Sequence[StoredFile] = (),
) -> SideMessage:
    settings = settings_of(session)
    inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=ticket.inbox_id)
    earlier = [
        message_id
        for message_id in await session.scalars(
            select(SideMessage.message_id)
            .where(
                SideMessage.side_conversation_id == conversation.id,
                SideMessage.message_id.is_not(None),
            )
            .order_by(SideMessage.id)
        )
        if message_id
    ]
    now = utcnow()
    message = SideMessage(
        side_conversation_id=conversation.id,
        direction=Direction.outbound,
        author_user_id=author.id,
        from_address=inbox.email_address or "",
        to=list(conversation.participants),
        text=text,
        data={"attachments": files_service.summaries(files)} if files else {},
        created_at=now,
    )
    session.add(message)
    await session.flush()
    await files_service.attach_to_side_message(session, files=files, side_message_id=message.id)
    message.message_id = new_message_id(
        mail_domain=settings.mail_domain, hint=f"t{ticket.number}.s{conversation.id}.m{message.id}"
    )
    headers = {
        "To": ", ".join(conversation.participants),
        "Reply-To": side_reply_address(
            settings.secret, side_id=conversation.id, mail_domain=settings.mail_domain
        ),
    }
    subject = conversation.subject
    if earlier:
        headers["In-Reply-To"] = earlier[-1]
        headers["References"] = mail_outbound.references_header(earlier)
        subject = f"Re: {subject}"
    session.add(
        OutboxMessage(
            ticket_id=ticket.id,
            entry_id=None,
            message_id=message.message_id,
            sender=mail_outbound.inbox_sender(
                inbox,
                mail_domain=settings.mail_domain,
                display_name=f"{author.name} ({inbox.name})",
            ),
            recipients=list(conversation.participants),
            subject=subject,
            headers=headers,
            text=text,
            html=mail_outbound.text_to_html(text),
            state=OutboxState.queued,
            data={
                "kind": "side_conversation",
                "author_id": author.id,
                "side_conversation_id": conversation.id,
                "side_message_id": message.id,
                # Read from the store when the mail is sent, as a reply's are (mail/outbox.py).
                "attachments": [mail_outbound.outbox_file(stored) for stored in files],
            },
        )
    )
    conversation.last_message_at = now
    await session.flush()
    return message
