"""Asking by email: a closed ticket whose inbox asks gets one short email with one-click links,
once its delay has passed. Any process's timer may find it; the request row, unique per
(ticket, closing), lets exactly one of them write the email, in the transaction that claims it.

Decisions (docs/ratings.md): a ticket closed again within ASK_AGAIN_AFTER of its last request is
not asked again; a ticket closed more than CATCH_UP past its delay is not asked (the timer was
down, or the inbox turned email on later); chats are asked in the messenger instead, so a chat's
ticket is asked by email only once it was reopened and closed again; only a verified customer is
mailed (an address typed into the messenger is nobody's proof), as for transcripts. A ticket
merged into another is not asked: the merge closed it, but its conversation goes on in the other
ticket, whose closing is asked, and where the window counts the rating emails of the tickets
merged into it as its own.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from html import escape

from sqlalchemy import and_, exists, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.customers import service as customers_service
from frontdesk.db.context import settings_of
from frontdesk.db.unique import insert_once
from frontdesk.inboxes import service as inboxes_service
from frontdesk.mail.addresses import new_message_id, reply_address
from frontdesk.mail.models import OutboxMessage, OutboxState
from frontdesk.mail.outbound import inbox_sender, recipient_for
from frontdesk.ratings import links
from frontdesk.ratings.models import RatingRequest, RatingSettings, RequestState
from frontdesk.tickets.models import Ticket, TicketState, TicketType

ASK_AGAIN_AFTER = timedelta(days=7)
LINK_LIFETIME = timedelta(days=14)
CATCH_UP = timedelta(days=2)
DEFAULT_QUESTION = "How would you rate the support you received?"
SCORE_WORDS = {"good": "Good", "okay": "Okay", "bad": "Bad"}
SCORE_COLOURS = {"good": "#15803d", "okay": "#a16207", "bad": "#b91c1c"}


async def send_due_requests(session: AsyncSession, *, now: datetime, limit: int = 100) -> int:
    """One round: returns how many requests this call wrote (emails or skips)."""
    written = 0
    inboxes = (
        await session.scalars(select(RatingSettings).where(RatingSettings.email_enabled))
    ).all()
    for inbox_settings in inboxes:
        due_before = now - timedelta(minutes=inbox_settings.email_delay_minutes)
        not_before = due_before - CATCH_UP
        if inbox_settings.email_since is not None:
            not_before = max(not_before, inbox_settings.email_since)
        # This closing was handled (asked, or skipped) by some process already.
        asked = exists().where(
            RatingRequest.ticket_id == Ticket.id, RatingRequest.closed_at == Ticket.closed_at
        )
        tickets = (
            await session.scalars(
                select(Ticket)
                .where(
                    Ticket.inbox_id == inbox_settings.inbox_id,
                    Ticket.state == TicketState.closed,
                    Ticket.merged_into_id.is_(None),
                    # Closing touches updated_at: this range is the (inbox, state, updated) index.
                    Ticket.updated_at >= not_before,
                    Ticket.closed_at >= not_before,
                    Ticket.closed_at <= due_before,
                    # A chat's ticket closed when the chat ended: the messenger asked.
                    not_(
                        and_(Ticket.type == TicketType.chat, Ticket.closed_at == Ticket.created_at)
                    ),
                    ~asked,
                )
                .order_by(Ticket.closed_at, Ticket.id)
                .limit(limit)
            )
        ).all()
        for ticket in tickets:
            if await _request(session, ticket=ticket, now=now):
                written += 1
    return written


async def _request(session: AsyncSession, *, ticket: Ticket, now: datetime) -> bool:
    """Writes the ticket's request and its email; False when another process already did."""
    if ticket.closed_at is None:
        return False
    customer = await customers_service.get_customer_by_id(session, customer_id=ticket.customer_id)
    # Asked where the conversation is, as its replies are (docs/email.md).
    recipient = await recipient_for(session, ticket=ticket)
    last_asked = await session.scalar(
        select(func.max(RatingRequest.created_at)).where(
            RatingRequest.ticket_id.in_(await _conversation(session, ticket_id=ticket.id)),
            RatingRequest.state == RequestState.sent,
        )
    )
    asked_lately = last_asked is not None and last_asked > ticket.closed_at - ASK_AGAIN_AFTER
    mailable = recipient is not None and customer.verified and not asked_lately
    request = RatingRequest(
        ticket_id=ticket.id,
        inbox_id=ticket.inbox_id,
        customer_id=customer.id,
        closed_at=ticket.closed_at,
        state=RequestState.sent if mailable else RequestState.skipped,
        nonce=secrets.token_hex(16),
        created_at=now,
        expires_at=now + LINK_LIFETIME,
    )
    if not await insert_once(session, request):
        return False
    if mailable and recipient is not None:
        request.outbox_id = await _queue_email(
            session, ticket=ticket, request=request, recipient=recipient
        )
        await session.flush()
    return True


async def _conversation(session: AsyncSession, *, ticket_id: int) -> set[int]:
    """The ticket and every ticket merged into it, directly or along a chain of merges: one
    conversation for the customer, asked about once in the window."""
    found = {ticket_id}
    frontier = {ticket_id}
    while frontier:
        merged = set(
            await session.scalars(select(Ticket.id).where(Ticket.merged_into_id.in_(frontier)))
        )
        frontier = merged - found
        found |= frontier
    return found


async def _queue_email(
    session: AsyncSession, *, ticket: Ticket, request: RatingRequest, recipient: str
) -> int:
    settings = settings_of(session)
    inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=ticket.inbox_id)
    inbox_settings = await session.get(RatingSettings, ticket.inbox_id)
    question = (inbox_settings.question if inbox_settings else "") or DEFAULT_QUESTION
    token = links.link_token(settings.secret, request_id=request.id, nonce=request.nonce)
    urls = {score: links.rating_url(settings.public_url, token, score) for score in SCORE_WORDS}
    expires = request.expires_at.strftime("%d %B %Y")
    intro = f"Your request #{ticket.number} ({ticket.subject}) was resolved."
    outro = (
        f"One click is enough; you can change your answer for a day. The links work until "
        f"{expires}. Replying to this email reopens the conversation."
    )
    text = "\n\n".join(
        [
            intro,
            question,
            *(f"{word}: {urls[score]}" for score, word in SCORE_WORDS.items()),
            "-- ",
            outro,
        ]
    )
    buttons = " ".join(
        f'<a href="{escape(urls[score])}" style="display:inline-block;padding:10px 18px;'
        f"margin:0 6px 6px 0;border-radius:6px;background:{SCORE_COLOURS[score]};color:#fff;"
        f'text-decoration:none;font-weight:600">{word}</a>'
        for score, word in SCORE_WORDS.items()
    )
    html = (
        '<div style="font-family:system-ui,sans-serif;font-size:15px;color:#0f172a">'
        f"<p>{escape(intro)}</p><p><strong>{escape(question)}</strong></p><p>{buttons}</p>"
        f'<hr><p style="color:#64748b;font-size:13px">{escape(outro)}</p></div>'
    )
    message = OutboxMessage(
        ticket_id=ticket.id,
        message_id=new_message_id(mail_domain=settings.mail_domain, hint=f"t{ticket.number}.rate"),
        sender=inbox_sender(inbox, mail_domain=settings.mail_domain),
        recipients=[recipient],
        subject=f"How did we do? [#{ticket.number}]",
        headers={
            "To": recipient,
            "Reply-To": reply_address(
                settings.secret, ticket_id=ticket.id, mail_domain=settings.mail_domain
            ),
            "Auto-Submitted": "auto-generated",
        },
        text=text,
        html=html,
        state=OutboxState.queued,
        data={"kind": "rating_request", "request_id": request.id},
    )
    session.add(message)
    await session.flush()
    return message.id
