"""Whether a visitor may write from the messenger (docs/chat.md, "Blocking a visitor"): not once an
agent blocked them (a chat, a message left with the contact form, an address given to a chat),
and no chat when the website signed them in with a blocked sender's address.

An address the visitor only typed blocks nothing: anyone can type anyone's address, and a typed
blocked address refusing the chat would let anyone silence a real customer by claiming their
address. Such a chat goes through as any chat does (its ticket is filed on a customer without
that address, docs/email.md); the agent can still block the visitor from it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats.errors import VisitorBlocked
from frontdesk.chats.models import Visitor
from frontdesk.spam import senders


async def ensure_not_blocked(session: AsyncSession, *, visitor: Visitor) -> None:
    """403 `visitor_blocked` for a visitor an agent blocked."""
    if await senders.visitor_blocked(session, visitor_id=visitor.id):
        raise VisitorBlocked


async def ensure_signed_sender_allowed(session: AsyncSession, *, visitor: Visitor) -> None:
    """403 `visitor_blocked` when the chat's address is one the website signed (`visitor` as the
    chat form left it: `take_email`) and it is a blocked sender. A live chat has no Spam folder
    to wait in: it would ring the agents' desks, so it is refused rather than filed."""
    if visitor.identity_verified and await senders.is_blocked(session, address=visitor.email):
        raise VisitorBlocked
