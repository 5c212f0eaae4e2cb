"""Agents going online and offline (themselves, idle, deactivated, back at a desk), and the waiting
chats that end unanswered because nobody can answer them: too long a wait, the visitor gone, nobody
online.

Ghost-proof presence: an online agent with no desk open for the grace goes offline (`idle`), so
no chat is offered to a closed tab and visitors see "offline" once nobody is left. The presence it
reads is the `connections` table every process writes, so it holds across processes. A desk
reopened soon after brings the agent back (`returned`): the Online they chose was never theirs to
lose to a sleeping laptop. Later than that, they choose again (docs/chat.md, "Being available").
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats import queries
from frontdesk.chats.capacity import anyone_online
from frontdesk.chats.events import (
    LiveEvent,
    publish_to_agents,
    publish_to_all_agents,
    user_ref,
)
from frontdesk.chats.lifecycle import end_chat
from frontdesk.chats.models import (
    AvailabilityChange,
    Chat,
    Connection,
    ConnectionKind,
    EndReason,
    Visitor,
)
from frontdesk.chats.offers import pass_on_offers
from frontdesk.chats.presence import visitor_connected
from frontdesk.chats.visitors import visitor_of
from frontdesk.inboxes import service as inboxes_service
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.clock import utcnow
from frontdesk.realtime.catalogue import (
    AvailabilityChanged,
    AvailabilityReason,
    ChatBarChanged,
)
from frontdesk.users.models import User


async def set_availability(
    session: AsyncSession, *, user: User, available: bool, reason: AvailabilityReason = "self"
) -> User:
    if user.available_for_chat == available:
        return user
    user.available_for_chat = available
    user.availability_changed_at = utcnow()
    session.add(
        AvailabilityChange(
            user_id=user.id, available=available, reason=reason, at=user.availability_changed_at
        )
    )
    publish_to_all_agents(
        session,
        LiveEvent.availability_changed,
        data=AvailabilityChanged(user=user_ref(user), available=available, reason=reason),
    )
    publish_to_agents(
        session, LiveEvent.chat_bar_changed, user_ids=[user.id], data=ChatBarChanged()
    )
    if not available:
        await session.flush()
        await pass_on_offers(session, user=user)
        await end_orphaned_chats(session, user=user)
    return user


async def end_orphaned_chats(session: AsyncSession, *, user: User) -> int:
    """Waiting chats of this agent's inboxes in which nobody is online any more end unanswered."""
    ended = 0
    inbox_ids = (await session.scalars(queries.member_inbox_ids(user.id))).all()
    for inbox_id in inbox_ids:
        if await session.scalar(queries.someone_online(inbox_id)) is not None:
            continue
        waiting = (
            await session.scalars(queries.waiting_chats().where(Chat.inbox_id == inbox_id))
        ).all()
        for chat in waiting:
            await end_chat(session, chat=chat, agent=None, reason=EndReason.unanswered)
            ended += 1
    return ended


async def end_unanswered_chats(
    session: AsyncSession, *, now: datetime, visitor_grace: float, limit: int = 100
) -> int:
    """Waiting too long, or the visitor gone for longer than the grace period."""
    due = (
        await session.scalars(
            queries.waiting_chats()
            .join(Inbox, Inbox.id == Chat.inbox_id)
            .join(Visitor, Visitor.id == Chat.visitor_id)
            .order_by(Chat.started_at)
            .limit(limit * 5)
            .with_for_update(skip_locked=True, of=Chat)
        )
    ).all()
    ended = 0
    for chat in due:
        inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=chat.inbox_id)
        timed_out = chat.started_at + timedelta(seconds=inbox.unanswered_timeout_seconds) <= now
        visitor = await visitor_of(session, chat=chat)
        gone = (
            not await visitor_connected(session, visitor_id=visitor.id)
            and visitor.last_seen_at + timedelta(seconds=visitor_grace) <= now
        )
        nobody = not await anyone_online(session, inbox=inbox)
        if timed_out or gone or nobody:
            await end_chat(session, chat=chat, agent=None, reason=EndReason.unanswered)
            ended += 1
            if ended >= limit:
                break
    return ended


async def expire_idle_agents(session: AsyncSession, *, now: datetime, grace: float) -> int:
    """Online agents with no desk open for the grace go offline: no chat offered to a ghost.

    "No desk for the grace" means no open desk socket in any process, none closed within the grace
    (a reload, a network blip) and no going online within it (Go Online from the API alone gets the
    same grace to open a desk)."""
    cutoff = now - timedelta(seconds=grace)
    connected = select(Connection.user_id).where(
        Connection.kind == ConnectionKind.agent, Connection.user_id.is_not(None)
    )
    idle = (
        await session.scalars(
            select(User)
            .where(
                User.available_for_chat,
                User.id.not_in(connected),
                or_(User.last_seen_at.is_(None), User.last_seen_at <= cutoff),
                or_(
                    User.availability_changed_at.is_(None),
                    User.availability_changed_at <= cutoff,
                ),
            )
            # A desk opening meanwhile holds the agent's row (`desk_opened`): skipped now, and
            # seen connected on the next tick.
            .with_for_update(skip_locked=True)
        )
    ).all()
    for user in idle:
        await set_availability(session, user=user, available=False, reason="idle")
    return len(idle)


async def desk_opened(session: AsyncSession, *, user: User, now: datetime, window: float) -> bool:
    """A desk of this agent connected: set offline for want of a desk (`idle`) less than `window`
    ago, they are online again. The caller holds the agent's row (`lock_agent`), so the idle
    timer cannot set them offline in between. True when they came back."""
    if user.available_for_chat or not user.is_active:
        return False
    last = (
        await session.execute(
            select(AvailabilityChange.reason, AvailabilityChange.at)
            .where(AvailabilityChange.user_id == user.id)
            .order_by(AvailabilityChange.at.desc(), AvailabilityChange.id.desc())
            .limit(1)
        )
    ).first()
    if last is None or last.reason != "idle" or last.at < now - timedelta(seconds=window):
        return False
    await set_availability(session, user=user, available=True, reason="returned")
    return True


async def lock_agent(session: AsyncSession, *, user_id: int) -> User | None:
    """The agent's row, locked until the commit: a desk opening and the idle timer take turns."""
    return await session.get(User, user_id, with_for_update=True, populate_existing=True)
