"""An offer of a chat to one agent, from their side and the clock's: Accept, Decline, the offer
running out, and the agent going offline with offers open (docs/routing.md). Each locks the chat
first and re-reads the open offer under the lock, so whichever comes first decides and the others
find the offer gone (`offering.py` keeps the rules of who is next)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats import offering, queries
from frontdesk.chats.errors import ChatEnded, OfferGone
from frontdesk.chats.lifecycle import join_chat
from frontdesk.chats.log import lock_chat
from frontdesk.chats.models import Chat, ChatOffer, ChatState, OfferOutcome
from frontdesk.kit.clock import utcnow
from frontdesk.users.models import User


async def _own_offer(session: AsyncSession, *, chat: Chat, agent: User) -> tuple[Chat, ChatOffer]:
    chat = await lock_chat(session, chat=chat)
    if chat.state is ChatState.ended:
        raise ChatEnded
    offer = await offering.open_offer(session, chat_id=chat.id)
    if offer is None or offer.user_id != agent.id or chat.state is not ChatState.waiting:
        raise OfferGone
    return chat, offer


async def accept_offer(session: AsyncSession, *, chat: Chat, agent: User) -> Chat:
    """Joins the chat offered to this agent, with every check of a join (online, capacity). An
    Accept that arrives after the countdown but before the timer moved the offer on still
    counts: the offer is open until something closes it."""
    chat, _offer = await _own_offer(session, chat=chat, agent=agent)
    return await join_chat(session, chat=chat, agent=agent)


async def decline_offer(session: AsyncSession, *, chat: Chat, agent: User) -> Chat:
    chat, offer = await _own_offer(session, chat=chat, agent=agent)
    await offering.move_on(
        session, chat=chat, offer=offer, outcome=OfferOutcome.declined, now=utcnow()
    )
    return chat


async def expire_offers(session: AsyncSession, *, now: datetime, limit: int = 100) -> int:
    """Offers whose time ran out move on. Chats another process is busy with are skipped (their
    row is locked) and seen again on the next tick; under the lock the offer is read again, so
    one accepted or moved on meanwhile is left alone."""
    due = (
        await session.scalars(
            select(Chat)
            .join(ChatOffer, ChatOffer.chat_id == Chat.id)
            .where(
                ChatOffer.outcome.is_(None),
                ChatOffer.expires_at <= now,
                Chat.state == ChatState.waiting,
            )
            .order_by(ChatOffer.expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Chat)
            .execution_options(populate_existing=True)
        )
    ).all()
    moved = 0
    for chat in due:
        offer = await offering.open_offer(session, chat_id=chat.id)
        if offer is None or offer.expires_at > now or chat.state is not ChatState.waiting:
            continue
        await offering.move_on(
            session, chat=chat, offer=offer, outcome=OfferOutcome.expired, now=now
        )
        moved += 1
    return moved


async def pass_on_offers(session: AsyncSession, *, user: User) -> int:
    """The agent went offline: the chats offered to them go to the next agent at once."""
    chat_ids = (
        await session.scalars(
            select(ChatOffer.chat_id)
            .where(queries.open_offers_to([user.id]))
            .order_by(ChatOffer.chat_id)
        )
    ).all()
    moved = 0
    for chat_id in chat_ids:
        chat = await session.get(Chat, chat_id)
        if chat is None:
            continue
        chat = await lock_chat(session, chat=chat)
        offer = await offering.open_offer(session, chat_id=chat.id)
        if offer is None or offer.user_id != user.id or chat.state is not ChatState.waiting:
            continue
        await offering.move_on(
            session, chat=chat, offer=offer, outcome=OfferOutcome.offline, now=utcnow()
        )
        moved += 1
    return moved
