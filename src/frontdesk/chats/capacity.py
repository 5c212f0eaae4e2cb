"""Who can take a chat: agents' load and simultaneous-chat limit, the online members of an inbox,
the inboxes each agent takes chats for, and a waiting visitor's place in the queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats import queries
from frontdesk.chats.models import (
    Chat,
)
from frontdesk.inboxes.models import Inbox, InboxMember
from frontdesk.inboxes.queries import visible_inbox_ids
from frontdesk.users.models import User

DEFAULT_WAIT_ESTIMATE = 60


async def has_capacity(session: AsyncSession, *, user: User) -> bool:
    load = await session.scalar(queries.active_chat_count(user.id)) or 0
    return load < user.max_concurrent_chats


async def agent_loads(session: AsyncSession) -> dict[int, int]:
    return dict((await session.execute(queries.load_by_user())).all())


@dataclass(frozen=True)
class AgentPresence:
    """An agent as "Who is online" shows them: online or not, their load, and where they take
    chats. Online alone does not mean offered chats: that needs a membership too (`takes_chats`)."""

    user: User
    active_chats: int
    inbox_ids: Sequence[int]  # of the inboxes the viewer sees
    takes_chats: bool  # a member of at least one inbox, seen by the viewer or not


async def agent_presence(
    session: AsyncSession, *, viewer: User, agents: Sequence[User]
) -> list[AgentPresence]:
    loads = await agent_loads(session)
    memberships = (
        await session.execute(
            select(InboxMember.user_id, InboxMember.inbox_id).order_by(InboxMember.inbox_id)
        )
    ).all()
    seen = set((await session.scalars(visible_inbox_ids(viewer))).all())
    member: dict[int, list[int]] = {}
    for user_id, inbox_id in memberships:
        member.setdefault(user_id, []).append(inbox_id)
    return [
        AgentPresence(
            user=agent,
            active_chats=loads.get(agent.id, 0),
            inbox_ids=[i for i in member.get(agent.id, []) if i in seen],
            takes_chats=agent.id in member,
        )
        for agent in agents
    ]


async def available_agents(session: AsyncSession, *, inbox_id: int) -> list[tuple[User, int]]:
    """Online members with their current load: the transfer/invite picker."""
    members = (await session.scalars(queries.online_members(inbox_id).order_by(User.name))).all()
    loads = await agent_loads(session)
    return [(member, loads.get(member.id, 0)) for member in members]


async def offer_targets(session: AsyncSession, *, inbox_id: int) -> list[int]:
    return [
        member.id
        for member, load in await available_agents(session, inbox_id=inbox_id)
        if load < member.max_concurrent_chats
    ]


async def queue_status(session: AsyncSession, *, chat: Chat) -> tuple[int, int]:
    """(position in the inbox's queue, estimated seconds until someone joins)."""
    ahead = (
        await session.scalar(
            queries.waiting_chats()
            .with_only_columns(func.count())
            .where(Chat.inbox_id == chat.inbox_id, Chat.started_at < chat.started_at)
        )
        or 0
    )
    return ahead + 1, await expected_wait(session, inbox_id=chat.inbox_id, ahead=ahead)


async def waiting_count(session: AsyncSession, *, inbox_id: int) -> int:
    return (
        await session.scalar(
            queries.waiting_chats().with_only_columns(func.count()).where(Chat.inbox_id == inbox_id)
        )
        or 0
    )


async def expected_wait(session: AsyncSession, *, inbox_id: int, ahead: int) -> int:
    """Seconds until someone joins a chat with `ahead` chats before it: the median wait of the
    inbox's last 20 answered chats, once more for each round of chats ahead that the agents
    with a free place share (docs/messenger.md)."""
    recent = (
        await session.execute(
            select(Chat.started_at, Chat.answered_at)
            .where(Chat.inbox_id == inbox_id, Chat.answered_at.is_not(None))
            .order_by(Chat.answered_at.desc())
            .limit(20)
        )
    ).all()
    waits = sorted((answered - started).total_seconds() for started, answered in recent if answered)
    typical = waits[len(waits) // 2] if waits else DEFAULT_WAIT_ESTIMATE
    agents = max(1, len(await offer_targets(session, inbox_id=inbox_id)))
    return int(typical * (1 + ahead / agents))


async def anyone_online(session: AsyncSession, *, inbox: Inbox) -> bool:
    return await session.scalar(queries.someone_online(inbox.id)) is not None
