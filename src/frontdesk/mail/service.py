"""Outbound mail: rows written to the outbox in the caller's transaction, threaded per ticket."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from email.utils import formataddr
from html import escape
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.customers import service as customers_service
from frontdesk.db.context import settings_of
from frontdesk.inboxes import service as inboxes_service
from frontdesk.inboxes.models import Inbox
from frontdesk.mail.addresses import new_message_id, reply_address
from frontdesk.mail.models import OutboxMessage, OutboxState
from frontdesk.tickets.models import Ticket, TicketEntry
from frontdesk.users.models import User

MAX_REFERENCES = 20


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


async def queue_reply(
    session: AsyncSession, *, ticket: Ticket, entry: TicketEntry, author: User
) -> OutboxMessage:
    settings = settings_of(session)
    inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=ticket.inbox_id)
    recipient = await recipient_for(session, ticket=ticket)
    if recipient is None:
        raise ValueError("queue_reply needs a customer with an email address")
    references = list(await thread_message_ids(session, ticket=ticket))[-MAX_REFERENCES:]
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
        headers["In-Reply-To"] = references[-1]
        headers["References"] = " ".join(references)
    message = OutboxMessage(
        ticket_id=ticket.id,
        entry_id=entry.id,
        message_id=message_id,
        sender=inbox_sender(
            inbox, mail_domain=settings.mail_domain, display_name=f"{author.name} ({inbox.name})"
        ),
        recipients=[recipient],
        subject=f"Re: {ticket.subject} [#{ticket.number}]",
        headers=headers,
        text=entry.text,
        html=None,
        state=OutboxState.queued,
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
    @property
    def at(self) -> datetime: ...
    @property
    def kind(self) -> str: ...
    @property
    def author(self) -> str: ...
    @property
    def text(self) -> str: ...


async def queue_transcript(
    session: AsyncSession,
    *,
    ticket: Ticket,
    entry: TicketEntry,
    lines: Sequence[TranscriptLineLike],
    answered: bool,
) -> bool:
    """The chat transcript for the customer, threaded so that their reply continues the ticket.
    Returns False when the customer's email is unknown (nothing is queued)."""
    settings = settings_of(session)
    recipient = await recipient_for(session, ticket=ticket)
    if recipient is None:
        return False
    inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=ticket.inbox_id)
    message_id = new_message_id(mail_domain=settings.mail_domain, hint=f"t{ticket.number}.chat")
    entry.message_id = message_id
    intro = (
        "Thanks for chatting with us. Here is a copy of the conversation."
        if answered
        else "Sorry we missed you. Nobody could answer in time; our team will follow up "
        "by email. Here is what you wrote."
    )
    outro = "Reply to this email to continue the conversation."
    text = "\n\n".join([intro, *(_transcript_text_line(line) for line in lines), "--", outro])
    html = render_transcript_html(
        intro=intro, lines=lines, outro=outro, ticket_number=ticket.number
    )
    session.add(
        OutboxMessage(
            ticket_id=ticket.id,
            entry_id=entry.id,
            message_id=message_id,
            sender=inbox_sender(inbox, mail_domain=settings.mail_domain),
            recipients=[recipient],
            subject=f"Your chat with {inbox.name} [#{ticket.number}]",
            headers={
                "Reply-To": reply_address(
                    settings.secret, ticket_id=ticket.id, mail_domain=settings.mail_domain
                ),
                "Auto-Submitted": "auto-generated",
            },
            text=text,
            html=html,
            state=OutboxState.queued,
        )
    )
    await session.flush()
    return True


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def _transcript_text_line(line: TranscriptLineLike) -> str:
    if line.kind == "system":
        return f"[{_stamp(line.at)}] {line.text}"
    return f"[{_stamp(line.at)}] {line.author}:\n{line.text}"


def render_transcript_html(
    *, intro: str, lines: Sequence[TranscriptLineLike], outro: str, ticket_number: int
) -> str:
    rows = []
    for line in lines:
        when = escape(_stamp(line.at))
        body = escape(line.text).replace("\n", "<br>")
        if line.kind == "system":
            rows.append(f'<p style="color:#64748b;font-size:13px">{when} · {body}</p>')
        else:
            rows.append(
                f'<p style="margin:12px 0 2px"><strong>{escape(line.author)}</strong> '
                f'<span style="color:#64748b;font-size:12px">{when}</span></p>'
                f'<p style="margin:0">{body}</p>'
            )
    return (
        '<div style="font-family:system-ui,sans-serif;font-size:15px;color:#0f172a">'
        f"<p>{escape(intro)}</p>{''.join(rows)}"
        f'<hr><p style="color:#64748b;font-size:13px">{escape(outro)} (ticket #{ticket_number})</p>'
        "</div>"
    )
