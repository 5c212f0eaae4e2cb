"""Visitors: their tokens, the identity a website signs or a form types, what page they are on,
the chats that are theirs, and the contact form they fill in when nobody is online."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats import queries
from frontdesk.chats.blocked import ensure_not_blocked
from frontdesk.chats.errors import (
    ChatNotFound,
    IdentityUnverified,
)
from frontdesk.chats.events import (
    LiveEvent,
    publish_to_inbox,
)
from frontdesk.chats.log import ensure_message
from frontdesk.chats.models import (
    Chat,
    ChatState,
    Visitor,
)
from frontdesk.customers import service as customers_service
from frontdesk.db.context import settings_of
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.clock import utcnow
from frontdesk.kit.ids import new_token, token_digest
from frontdesk.realtime.catalogue import Minimized, PageViewed
from frontdesk.spam import senders
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Direction, EntryKind, Ticket, TicketState, TicketType


async def create_visitor(session: AsyncSession, *, inbox: Inbox) -> tuple[Visitor, str]:
    token = new_token("v_")
    visitor = Visitor(inbox_id=inbox.id, token_hash=token_digest(token), attributes={})
    session.add(visitor)
    await session.flush()
    return visitor, token


async def resolve_visitor(session: AsyncSession, *, token: str) -> Visitor | None:
    return await session.scalar(select(Visitor).where(Visitor.token_hash == token_digest(token)))


def identity_hash(secret: str, email: str) -> str:
    """What the company's server computes for messenger.identify({userHash})."""
    return hmac.new(secret.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


async def identify_visitor(
    session: AsyncSession,
    *,
    visitor: Visitor,
    inbox: Inbox,
    name: str | None,
    email: str | None,
    user_hash: str | None,
    attributes: dict[str, Any] | None,
) -> Visitor:
    verified = False
    if email:
        if inbox.identity_secret and user_hash:
            verified = hmac.compare_digest(identity_hash(inbox.identity_secret, email), user_hash)
            if not verified:
                raise IdentityUnverified
        elif inbox.require_identity:
            raise IdentityUnverified
        visitor.email = email.strip().lower()
    if name:
        visitor.name = name.strip()
    if attributes:
        visitor.attributes = dict(visitor.attributes) | attributes
    visitor.identity_verified = verified
    visitor.last_seen_at = utcnow()
    return visitor


def _still_verified(visitor: Visitor, typed: str | None) -> bool:
    """A form keeps the verified identity only when it leaves the address out or repeats it."""
    return visitor.identity_verified and typed in (None, visitor.email)


def _normalized(email: str | None) -> str | None:
    return email.strip().lower() if email else None


def take_email(visitor: Visitor, *, inbox: Inbox, email: str | None) -> None:
    """The address a form carries: what the visitor typed wins, but only the one the website
    signed stays verified, and an inbox that requires identity takes no other."""
    typed = _normalized(email)
    verified = _still_verified(visitor, typed)
    if inbox.require_identity and not verified:
        raise IdentityUnverified(
            "This inbox only takes messages from visitors the website has signed in; "
            "use the email address you are signed in with."
        )
    visitor.email = typed or visitor.email
    visitor.identity_verified = verified


def claims_unconfirmed_email(visitor: Visitor, *, email: str | None) -> bool:
    """Whether a chat started with this address would give mail an address nobody confirmed."""
    typed = _normalized(email)
    return bool(typed or visitor.email) and not _still_verified(visitor, typed)


async def clear_identity(session: AsyncSession, *, visitor: Visitor) -> Visitor:
    visitor.email = None
    visitor.name = ""
    visitor.attributes = {}
    visitor.identity_verified = False
    return visitor


async def report_page(session: AsyncSession, *, visitor: Visitor, url: str, title: str) -> None:
    visitor.page_url, visitor.page_title = url[:2000], title[:500]
    visitor.last_seen_at = utcnow()
    for chat in await open_chats_of_visitor(session, visitor=visitor):
        publish_to_inbox(
            session,
            LiveEvent.page_viewed,
            inbox_id=chat.inbox_id,
            data=PageViewed(chat_id=chat.id, url=visitor.page_url, title=visitor.page_title),
        )


async def report_minimized(session: AsyncSession, *, visitor: Visitor, minimized: bool) -> None:
    visitor.minimized = minimized
    for chat in await open_chats_of_visitor(session, visitor=visitor):
        publish_to_inbox(
            session,
            LiveEvent.minimized,
            inbox_id=chat.inbox_id,
            data=Minimized(chat_id=chat.id, minimized=minimized),
        )


async def open_chats_of_visitor(session: AsyncSession, *, visitor: Visitor) -> Sequence[Chat]:
    return (
        await session.scalars(
            queries.visitor_chats(visitor.id).where(Chat.state != ChatState.ended)
        )
    ).all()


async def get_visitor_chat(session: AsyncSession, *, visitor: Visitor, chat_id: int) -> Chat:
    chat = await session.scalar(queries.visitor_chats(visitor.id).where(Chat.id == chat_id))
    if chat is None:
        raise ChatNotFound
    return chat


async def list_visitor_chats(session: AsyncSession, *, visitor: Visitor) -> Sequence[Chat]:
    return (
        await session.scalars(queries.visitor_chats(visitor.id).order_by(Chat.started_at.desc()))
    ).all()


async def visitor_of(session: AsyncSession, *, chat: Chat) -> Visitor:
    visitor = await session.get(Visitor, chat.visitor_id)
    if visitor is None:
        raise ChatNotFound
    return visitor


async def submit_contact_form(
    session: AsyncSession,
    *,
    visitor: Visitor,
    inbox: Inbox,
    name: str,
    email: str,
    text: str,
    page_url: str | None,
) -> Ticket:
    await ensure_not_blocked(session, visitor=visitor)
    text = ensure_message(text, limit=settings_of(session).max_message_length)
    take_email(visitor, inbox=inbox, email=email)
    visitor.name = name.strip() or visitor.name
    customer = await customers_service.find_or_create(
        session, email=email, name=name, verified=visitor.identity_verified
    )
    first_line = text.strip().splitlines()[0][:80]
    ticket = await tickets_service.create_ticket(
        session,
        inbox=inbox,
        customer=customer,
        subject=first_line,
        type=TicketType.web,
        reply_address=email,
        # A blocked address's message is kept, filed in Spam (docs/email.md, "Blocked senders").
        state=(
            TicketState.spam
            if await senders.is_blocked(session, address=email)
            else TicketState.open
        ),
    )
    await tickets_service.add_entry(
        session,
        ticket=ticket,
        kind=EntryKind.reply,
        direction=Direction.inbound,
        text=text,
        author_customer=customer,
        data={"page_url": page_url, "email": visitor.email, "verified": visitor.identity_verified},
    )
    return ticket
