"""Chats as an agent reads them: one chat, its participants and labels, the chat bar, the ongoing
list, unread counts and the read marks that set them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats import queries
from frontdesk.chats.capacity import has_capacity
from frontdesk.chats.errors import (
    ChatNotFound,
    NotParticipant,
)
from frontdesk.chats.events import (
    LiveEvent,
    publish_to_agents,
)
from frontdesk.chats.models import (
    Chat,
    ChatInvitation,
    ChatParticipant,
    ChatState,
    chat_labels,
)
from frontdesk.chats.offering import open_offers
from frontdesk.labels.models import Label
from frontdesk.realtime.catalogue import ChatRead
from frontdesk.users.models import User


async def get_chat(session: AsyncSession, *, user: User, chat_id: int) -> Chat:
    chat = await session.scalar(queries.visible_chats(user).where(Chat.id == chat_id))
    if chat is None:
        raise ChatNotFound
    return chat


async def followed_chat_ids(session: AsyncSession, *, user: User) -> Sequence[int]:
    """Chats whose every message this agent's desks should hear: the ones they are in."""
    return (await session.scalars(queries.joined_chats(user.id).with_only_columns(Chat.id))).all()


async def participants(
    session: AsyncSession, *, chat: Chat
) -> Sequence[tuple[ChatParticipant, User]]:
    rows = await session.execute(
        select(ChatParticipant, User)
        .join(User, User.id == ChatParticipant.user_id)
        .where(ChatParticipant.chat_id == chat.id)
        .order_by(ChatParticipant.joined_at)
    )
    return [(participant, user) for participant, user in rows]


async def participants_by_chat(
    session: AsyncSession, *, chat_ids: Sequence[int]
) -> dict[int, list[tuple[ChatParticipant, User]]]:
    result: dict[int, list[tuple[ChatParticipant, User]]] = {chat_id: [] for chat_id in chat_ids}
    if chat_ids:
        for participant, user in await session.execute(queries.participants_of(chat_ids)):
            result[participant.chat_id].append((participant, user))
    return result


async def invitations(session: AsyncSession, *, chat: Chat) -> Sequence[ChatInvitation]:
    return (
        await session.scalars(select(ChatInvitation).where(ChatInvitation.chat_id == chat.id))
    ).all()


async def chat_label_names(
    session: AsyncSession, *, chat_ids: Sequence[int]
) -> dict[int, list[str]]:
    result: dict[int, list[str]] = {chat_id: [] for chat_id in chat_ids}
    if chat_ids:
        rows = await session.execute(
            select(chat_labels.c.chat_id, Label.name)
            .join(Label, Label.id == chat_labels.c.label_id)
            .where(chat_labels.c.chat_id.in_(chat_ids))
            .order_by(Label.name)
        )
        for chat_id, name in rows:
            result[chat_id].append(name)
    return result


async def ensure_participant(session: AsyncSession, *, chat: Chat, user_id: int) -> ChatParticipant:
    """Only the agents in a chat act in it: those who joined and have not left."""
    participant = await session.get(ChatParticipant, (chat.id, user_id))
    if participant is None or participant.left_at is not None:
        raise NotParticipant
    return participant


async def unseen_chats(session: AsyncSession, *, user: User, chat_ids: Sequence[int]) -> set[int]:
    """Those of these chats the agent may not see (any more)."""
    if not chat_ids:
        return set()
    seen = await session.scalars(
        queries.visible_chats(user).with_only_columns(Chat.id).where(Chat.id.in_(chat_ids))
    )
    return set(chat_ids) - set(seen)


async def unread_counts(
    session: AsyncSession, *, user: User, chats: Sequence[Chat]
) -> dict[int, int]:
    """Visitor messages after the agent's read mark, per chat they participate in."""
    if not chats:
        return {}
    rows = await session.execute(queries.unread_by_chat(user.id, [chat.id for chat in chats]))
    return dict(rows.all())


BarColor = Literal["red", "orange", "green"]


@dataclass(frozen=True)
class BarItem:
    chat: Chat
    color: BarColor
    unread: int
    invitation: ChatInvitation | None
    # Offered to this agent alone (the inbox offers chats one at a time): until then.
    offer_expires_at: datetime | None = None


async def chat_bar(session: AsyncSession, *, user: User) -> list[BarItem]:
    """Red: waiting chats offered to me, or invitations to me; orange/green: chats I am in."""
    items: list[BarItem] = []
    mine = (await session.scalars(queries.joined_chats(user.id).order_by(Chat.started_at))).all()
    unread = await unread_counts(session, user=user, chats=mine)
    invites = (
        await session.execute(
            select(ChatInvitation, Chat)
            .join(Chat, Chat.id == ChatInvitation.chat_id)
            .where(ChatInvitation.invitee_id == user.id, Chat.state != ChatState.ended)
            .order_by(ChatInvitation.created_at)
        )
    ).all()
    for invitation, chat in invites:
        items.append(BarItem(chat, "red", 0, invitation))
    if user.available_for_chat and await has_capacity(session, user=user):
        waiting = (
            await session.scalars(
                queries.waiting_chats()
                .where(Chat.inbox_id.in_(queries.member_inbox_ids(user.id)))
                .order_by(Chat.started_at)
            )
        ).all()
        invited = {chat.id for _invitation, chat in invites}
        # A chat offered to one agent is red for them alone; the others see it in the queue.
        offers = await open_offers(session, chat_ids=[chat.id for chat in waiting])
        for chat in waiting:
            offer = offers.get(chat.id)
            if chat.id in invited or (offer is not None and offer.user_id != user.id):
                continue
            items.append(BarItem(chat, "red", 0, None, offer.expires_at if offer else None))
    for chat in mine:
        count = unread.get(chat.id, 0)
        items.append(BarItem(chat, "orange" if count else "green", count, None))
    return items


async def list_ongoing(
    session: AsyncSession, *, user: User, inbox_id: int | None
) -> Sequence[Chat]:
    query = queries.visible_chats(user).where(queries.ongoing())
    if inbox_id is not None:
        query = query.where(Chat.inbox_id == inbox_id)
    return (await session.scalars(query.order_by(Chat.started_at.desc()))).all()


async def mark_read(session: AsyncSession, *, chat: Chat, agent: User, seq: int) -> int:
    await ensure_participant(session, chat=chat, user_id=agent.id)
    return await _move_read_mark(session, chat=chat, user=agent, seq=min(seq, chat.last_seq))


async def _move_read_mark(session: AsyncSession, *, chat: Chat, user: User, seq: int) -> int:
    # Only forwards: a late read from an old tab must not turn a green chat orange again.
    await session.execute(
        update(ChatParticipant)
        .where(
            ChatParticipant.chat_id == chat.id,
            ChatParticipant.user_id == user.id,
            ChatParticipant.read_seq < seq,
        )
        .values(read_seq=seq)
    )
    read_seq = (
        await session.scalar(
            select(ChatParticipant.read_seq).where(
                ChatParticipant.chat_id == chat.id, ChatParticipant.user_id == user.id
            )
        )
        or 0
    )
    publish_to_agents(
        session,
        LiveEvent.read,
        user_ids=[user.id],
        data=ChatRead(chat_id=chat.id, user_id=user.id, read_seq=read_seq),
    )
    return read_seq
