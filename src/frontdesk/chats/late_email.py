"""The visitor's email address given for a chat after it started (docs/chat.md, "An address
given later"): while it waits, once nobody answered in the usual wait, or on the card of a chat
that ended unanswered without one. The answer then comes by email on the chat's own ticket,
never a second chat and ticket.

The address is taken as the chat form takes it (`visitors.take_email`: what was typed is not
verified unless the website signed it; an inbox that requires identity takes no other). A chat
still going keeps it for its end, which files the ticket and sends the usual mail. For an ended
chat, its ticket's customer (the one made without an address when it ended) is given it as that
end would have: the address itself when nobody has it, the unverified customer who has it
(merged), or, when a verified customer has it and the visitor did not prove it, nothing (no
automatic mail may reach the owner; an agent who is sure merges them). Nothing is mailed then:
the agent's reply is the first mail."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats.blocked import ensure_not_blocked
from frontdesk.chats.errors import ChatHasEmail
from frontdesk.chats.log import lock_chat
from frontdesk.chats.models import Chat, ChatState, Visitor
from frontdesk.chats.visitors import get_visitor_chat, take_email
from frontdesk.customers import service as customers_service
from frontdesk.inboxes.models import Inbox
from frontdesk.tickets.models import Ticket


async def give_email(
    session: AsyncSession, *, visitor: Visitor, inbox: Inbox, chat_id: int, email: str
) -> Chat:
    chat = await lock_chat(
        session, chat=await get_visitor_chat(session, visitor=visitor, chat_id=chat_id)
    )
    await ensure_not_blocked(session, visitor=visitor)
    ended = chat.state is ChatState.ended
    if ended and chat.visitor_email:
        raise ChatHasEmail
    take_email(visitor, inbox=inbox, email=email)
    chat.visitor_email, chat.visitor_verified = visitor.email, visitor.identity_verified
    if ended and chat.ticket_id is not None:
        await _file_under(session, chat=chat)
    return chat


async def _file_under(session: AsyncSession, *, chat: Chat) -> None:
    """The ended chat's ticket goes to the customer behind its address, as `find_or_create`
    would have chosen at its end."""
    ticket = await session.get(Ticket, chat.ticket_id)
    address = chat.visitor_email
    if ticket is None or address is None:
        return
    customer = await customers_service.get_customer_by_id(session, customer_id=ticket.customer_id)
    if (await customers_service.emails_of(session, customer_id=customer.id)).emails:
        return  # an agent gave it one meanwhile: theirs stands
    # What the chat's end would have kept: the answer goes there once it is the customer's.
    ticket.reply_address = address
    owner = await customers_service.find_by_email(session, email=address)
    if owner is None:
        await customers_service.update_customer(session, customer=customer, emails=[address])
        customer.verified = customer.verified or chat.visitor_verified
    elif owner.id != customer.id and (chat.visitor_verified or not owner.verified):
        await customers_service.merge_customers(session, target=owner, source=customer)
