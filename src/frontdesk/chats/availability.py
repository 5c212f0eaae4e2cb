"""Agents going online and offline (themselves, idle, deactivated, back at a desk), and the waiting
chats that end unanswered because nobody can answer them: too long a wait, the visitor gone, nobody
online.

Ghost-proof presence: an online agent with no desk open for the grace goes offline (`idle`), so
no chat is offered to a closed tab and visitors see "offline" once nobody is left. The presence it
reads is the `connections` table every process writes, so it holds across processes. A desk
reopened soon after brings the agent back (`returned`): the Online they chose was never theirs to
lose to a sleeping laptop. Later than that, they choose again (docs/chat.md, "Being available").
A socket opened with a read-only API token is no desk (`agent_connected`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats import queries
from frontdesk.chats.events import (
    LiveEvent,
    publish_to_agents,
    publish_to_all_agents,
    user_ref,
)
from frontdesk.chats.lifecycle import LIGHT_AGENT_CHATS, end_chat
from frontdesk.chats.models import (
    AvailabilityChange,
    Chat,
    ChatState,
    Connection,
    ConnectionKind,
    EndReason,
    Visitor,
)
from frontdesk.chats.offers import pass_on_offers
from frontdesk.chats.presence import connection_opened
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.clock import utcnow
from frontdesk.realtime.catalogue import (
    AvailabilityChanged,
    AvailabilityReason,
    ChatBarChanged,
)
from frontdesk.users.absence import OutOfOffice, away_now
from frontdesk.users.light_agents import ensure_full_agent
from frontdesk.users.models import User


async def set_availability(
    session: AsyncSession, *, user: User, available: bool, reason: AvailabilityReason = "self"
) -> User:
    if available:
        # A light agent is never online for chats (docs/desk.md, "Light agents").
        ensure_full_agent(user, message=LIGHT_AGENT_CHATS)
        # Read again under the agent's row lock: an absence being set meanwhile (which takes
        # this lock, users/out_of_office.py) is seen, never left "away but available".
        await lock_agent(session, user_id=user.id)
    if user.available_for_chat == available:
        return user
    if available and away_now(user, utcnow()):
        raise OutOfOffice(user)
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


# The waiting chats one sweep looks at, oldest first: bounds its statements' parameters.
SWEPT = 5000


class _Waiting(NamedTuple):
    id: int
    inbox_id: int
    visitor_id: int
    started_at: datetime
    timeout_seconds: int
    visitor_last_seen_at: datetime


def _waiting() -> Select[int, int, int, datetime, int, datetime]:
    return (
        select(
            Chat.id,
            Chat.inbox_id,
            Chat.visitor_id,
            Chat.started_at,
            Inbox.unanswered_timeout_seconds,
            Visitor.last_seen_at,
        )
        .join(Inbox, Inbox.id == Chat.inbox_id)
        .join(Visitor, Visitor.id == Chat.visitor_id)
        .where(Chat.state == ChatState.waiting)
    )


async def _due(
    session: AsyncSession, chats: Sequence[_Waiting], *, now: datetime, visitor_grace: float
) -> list[int]:
    """The chats that end unanswered now: waited past their inbox's limit, their visitor gone
    (no socket open) for longer than the grace, or nobody online in their inbox."""
    if not chats:
        return []
    connected = set(
        await session.scalars(
            select(Connection.visitor_id)
            .where(Connection.visitor_id.in_({chat.visitor_id for chat in chats}))
            .distinct()
        )
    )
    online = {
        inbox_id: await session.scalar(queries.someone_online(inbox_id)) is not None
        for inbox_id in {chat.inbox_id for chat in chats}
    }
    return [
        chat.id
        for chat in chats
        if chat.started_at + timedelta(seconds=chat.timeout_seconds) <= now
        or (
            chat.visitor_id not in connected
            and chat.visitor_last_seen_at + timedelta(seconds=visitor_grace) <= now
        )
        or not online[chat.inbox_id]
    ]


async def end_unanswered_chats(
    session: AsyncSession, *, now: datetime, visitor_grace: float, limit: int = 100
) -> int:
    """Waiting too long, or the visitor gone for longer than the grace period, or nobody online.

    The queue (its oldest `SWEPT` chats) is read without locks, in a few statements whatever
    its length; only the chats found due are locked, skipping those another transaction holds,
    and judged again under the lock. Locked up front, every waiting chat would stay locked for
    the whole sweep (statements for each chat), and in a burst of hundreds of waiting chats an
    agent's join would wait for it most of the time."""
    chats = [
        _Waiting._make(row)
        for row in await session.execute(_waiting().order_by(Chat.started_at).limit(SWEPT))
    ]
    due = (await _due(session, chats, now=now, visitor_grace=visitor_grace))[:limit]
    if not due:
        return 0
    locked = [
        _Waiting._make(row)
        for row in await session.execute(
            _waiting()
            .where(Chat.id.in_(due))
            .order_by(Chat.id)
            .with_for_update(skip_locked=True, of=Chat)
        )
    ]
    ended = 0
    for chat_id in await _due(session, locked, now=now, visitor_grace=visitor_grace):
        chat = await session.get(Chat, chat_id, populate_existing=True)
        if chat is not None:
            await end_chat(session, chat=chat, agent=None, reason=EndReason.unanswered)
            ended += 1
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
    if user.available_for_chat or not user.is_active or away_now(user, now):
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


async def agent_connected(
    session: AsyncSession,
    *,
    user_id: int,
    connection_id: str,
    process_id: str,
    now: datetime,
    window: float,
    reading: bool = False,
) -> None:
    """An agent's socket opened. A desk is recorded (the `connections` row the idle expiry
    reads, their last seen) and may bring them back (`desk_opened`). A socket opened with a
    read-only API token (`reading`) is no desk and is recorded nowhere: a dashboard left open on
    a wall must neither keep a person who left available, nor make them available again, and
    so have chats offered to nobody at the desk."""
    if reading:
        return
    agent = await lock_agent(session, user_id=user_id)
    await connection_opened(session, connection_id=connection_id, process_id=process_id, user=agent)
    if agent is not None:
        await desk_opened(session, user=agent, now=now, window=window)


async def lock_agent(session: AsyncSession, *, user_id: int) -> User | None:
    """The agent's row, locked until the commit: a desk opening and the idle timer take turns."""
    return await session.get(User, user_id, with_for_update=True, populate_existing=True)
