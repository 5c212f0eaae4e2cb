"""Who a waiting chat is offered to, when its inbox offers chats one agent at a time
(docs/routing.md, "Offering chats one agent at a time").

The open offer is the chat's `ChatOffer` row without an outcome; every change to it happens with
the chat's row locked (`lock_chat`) and is written by a guarded update (`... WHERE outcome IS
NULL`), so an Accept, a Decline, the timer and an agent going offline that arrive together give
exactly one outcome. Eligible for an offer: an online member of the inbox not yet asked for this
chat, whose chats in progress plus offers open to them stay below their simultaneous-chat limit.
Without one the chat is offered to everybody, the usual way, so a visitor is never stuck.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.assignment import service as assignment_service
from frontdesk.assignment.models import AssignmentMode, InboxAssignment
from frontdesk.chats import queries
from frontdesk.chats.capacity import agent_loads, offer_targets
from frontdesk.chats.events import LiveEvent, chat_summary, publish_to_agents
from frontdesk.chats.models import Chat, ChatOffer, OfferOutcome
from frontdesk.notifications import service as notifications_service
from frontdesk.realtime.catalogue import ChatOffered, ChatWithdrawn
from frontdesk.users.models import User


async def open_offer(session: AsyncSession, *, chat_id: int) -> ChatOffer | None:
    return await session.scalar(
        select(ChatOffer)
        .where(ChatOffer.chat_id == chat_id, ChatOffer.outcome.is_(None))
        .execution_options(populate_existing=True)
    )


async def open_offers(session: AsyncSession, *, chat_ids: Sequence[int]) -> dict[int, ChatOffer]:
    if not chat_ids:
        return {}
    rows = await session.scalars(
        select(ChatOffer).where(ChatOffer.chat_id.in_(chat_ids), ChatOffer.outcome.is_(None))
    )
    return {row.chat_id: row for row in rows}


async def close_offer(
    session: AsyncSession, *, offer: ChatOffer, outcome: OfferOutcome, now: datetime
) -> bool:
    """Gives the open offer its outcome; False when something else decided it first."""
    result = await session.execute(
        update(ChatOffer)
        .where(
            ChatOffer.chat_id == offer.chat_id,
            ChatOffer.user_id == offer.user_id,
            ChatOffer.outcome.is_(None),
        )
        .values(outcome=outcome, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    offer.outcome, offer.decided_at = outcome, now
    return bool(getattr(result, "rowcount", 0))


async def offer_new_chat(session: AsyncSession, *, chat: Chat, now: datetime) -> list[int]:
    """Offers a chat that just started; returns the agents it was offered to."""
    settings = await assignment_service.chat_offer_settings(session, inbox_id=chat.inbox_id)
    if settings is not None:
        user = await _next_agent(session, chat=chat, settings=settings)
        if user is not None:
            await _offer_to(session, chat=chat, user=user, settings=settings, now=now)
            return [user.id]
    return await _offer_to_everybody(session, chat=chat)


async def move_on(
    session: AsyncSession,
    *,
    chat: Chat,
    offer: ChatOffer,
    outcome: OfferOutcome,
    now: datetime,
) -> int | None:
    """Closes the open offer of the locked, waiting chat and offers it to the next agent not yet
    asked, or to everybody. Returns the agent it is offered to now, None for everybody (or when
    the offer had been decided already)."""
    if not await close_offer(session, offer=offer, outcome=outcome, now=now):
        return None
    publish_to_agents(
        session,
        LiveEvent.withdrawn,
        user_ids=[offer.user_id],
        data=ChatWithdrawn(chat_id=chat.id, reason="moved_on"),
    )
    settings = await assignment_service.chat_offer_settings(session, inbox_id=chat.inbox_id)
    if settings is not None:
        user = await _next_agent(session, chat=chat, settings=settings)
        if user is not None:
            await _offer_to(session, chat=chat, user=user, settings=settings, now=now)
            await _notify(session, chat=chat, user_ids=[user.id])
            return user.id
    asked = set(
        (await session.scalars(select(ChatOffer.user_id).where(ChatOffer.chat_id == chat.id))).all()
    )
    targets = await _offer_to_everybody(session, chat=chat)
    # Those asked had their push already; the others hear of the chat now.
    await _notify(session, chat=chat, user_ids=[uid for uid in targets if uid not in asked])
    return None


async def _next_agent(
    session: AsyncSession, *, chat: Chat, settings: InboxAssignment
) -> User | None:
    asked = select(ChatOffer.user_id).where(ChatOffer.chat_id == chat.id)
    members = (
        await session.scalars(
            queries.online_members(chat.inbox_id).where(User.id.not_in(asked)).order_by(User.id)
        )
    ).all()
    if not members:
        return None
    loads = await agent_loads(session)
    pending = dict(
        (
            await session.execute(
                select(ChatOffer.user_id, func.count())
                .where(queries.open_offers_to([member.id for member in members]))
                .group_by(ChatOffer.user_id)
            )
        ).all()
    )
    found = [
        assignment_service.Candidate(member, loads.get(member.id, 0))
        for member in members
        if loads.get(member.id, 0) + pending.get(member.id, 0) < member.max_concurrent_chats
    ]
    # With auto-assignment off an inbox can still offer chats one at a time: the least busy first.
    mode = AssignmentMode.balanced if settings.mode is AssignmentMode.off else settings.mode
    return assignment_service.pick(mode, settings.chat_last_user_id, found)


async def _offer_to(
    session: AsyncSession, *, chat: Chat, user: User, settings: InboxAssignment, now: datetime
) -> None:
    expires_at = now + timedelta(seconds=settings.offer_timeout_seconds)
    session.add(ChatOffer(chat_id=chat.id, user_id=user.id, offered_at=now, expires_at=expires_at))
    await assignment_service.move_chat_cursor(session, settings=settings, user_id=user.id)
    await session.flush()
    publish_to_agents(
        session,
        LiveEvent.offered,
        user_ids=[user.id],
        data=ChatOffered(
            chat=chat_summary(chat),
            expires_at=expires_at.isoformat(),
            expires_in=float(settings.offer_timeout_seconds),
        ),
    )


async def _offer_to_everybody(session: AsyncSession, *, chat: Chat) -> list[int]:
    targets = await offer_targets(session, inbox_id=chat.inbox_id)
    publish_to_agents(
        session, LiveEvent.offered, user_ids=targets, data=ChatOffered(chat=chat_summary(chat))
    )
    return targets


async def _notify(session: AsyncSession, *, chat: Chat, user_ids: list[int]) -> None:
    if user_ids:
        await notifications_service.chat_waiting(
            session,
            chat_id=chat.id,
            inbox_id=chat.inbox_id,
            visitor_name=chat.visitor_name,
            user_ids=user_ids,
        )
