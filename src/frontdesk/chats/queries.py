"""Reusable selects: chats a principal may see, chats an agent is in, waiting chats, agents'
load, who can take a chat, unread counts."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, Select, and_, func, select

from frontdesk.chats.models import (
    AuthorKind,
    Chat,
    ChatEvent,
    ChatOffer,
    ChatParticipant,
    ChatState,
)
from frontdesk.db.planning import Unindexed
from frontdesk.inboxes.models import InboxMember
from frontdesk.inboxes.queries import visible_inbox_ids
from frontdesk.kit.clock import utcnow
from frontdesk.realtime.catalogue import ChatEventType
from frontdesk.users.absence import not_away
from frontdesk.users.models import Role, User

# Ongoing chats are named by their states, never as "not ended": a few chats are waiting or
# active at any time, and the index on state finds them, while "not ended" reads every chat
# there ever was.
ONGOING = (ChatState.waiting, ChatState.active)


def ongoing() -> ColumnElement[bool]:
    return Chat.state.in_(ONGOING)


def present(user_id: int) -> ColumnElement[bool]:
    """The agent is in the chat and has not left it. Ending a chat leaves its participants as
    they were, so their index (user, left_at) holds every chat the agent has ever ended too. The
    agent's ongoing chats are found from the ongoing chats instead: SQLite, with no statistics,
    would otherwise read all of the agent's past chats (`Unindexed`)."""
    return and_(Unindexed(ChatParticipant.user_id) == user_id, ChatParticipant.left_at.is_(None))


def open_offers_to(user_ids: Collection[int]) -> ColumnElement[bool]:
    """The agents' open offers, found from the open offers (a few at any time) and not from all
    the offers each agent was ever made, one a chat, which the agent's index would read on
    SQLite."""
    return and_(ChatOffer.outcome.is_(None), Unindexed(ChatOffer.user_id).in_(list(user_ids)))


def visible_chats(user: User) -> Select[Chat]:
    if user.is_admin:
        return select(Chat)
    return select(Chat).where(Chat.inbox_id.in_(visible_inbox_ids(user)))


def visitor_chats(visitor_id: int) -> Select[Chat]:
    return select(Chat).where(Chat.visitor_id == visitor_id)


def joined_chats(user_id: int) -> Select[Chat]:
    """Chats the agent is in right now (joined, not left, not ended): their chat bar and the
    chats whose every message their desks hear."""
    return (
        select(Chat)
        .join(ChatParticipant, ChatParticipant.chat_id == Chat.id)
        .where(present(user_id), ongoing())
    )


def waiting_chats() -> Select[Chat]:
    return select(Chat).where(Chat.state == ChatState.waiting)


def active_chat_count(user_id: int) -> Select[int]:
    """Chats the agent is in right now: what their simultaneous-chat limit counts."""
    return (
        select(func.count())
        .select_from(ChatParticipant)
        .join(Chat, Chat.id == ChatParticipant.chat_id)
        .where(present(user_id), ongoing())
    )


def load_by_user() -> Select[int, int]:
    return (
        select(ChatParticipant.user_id, func.count())
        .join(Chat, Chat.id == ChatParticipant.chat_id)
        .where(ChatParticipant.left_at.is_(None), ongoing())
        .group_by(ChatParticipant.user_id)
    )


def member_inbox_ids(user_id: int) -> Select[int]:
    """Inboxes the agent belongs to (not merely sees): where they are offered chats."""
    return select(InboxMember.inbox_id).where(InboxMember.user_id == user_id)


def online_members(inbox_id: int) -> Select[User]:
    return (
        select(User)
        .join(InboxMember, and_(InboxMember.user_id == User.id, InboxMember.inbox_id == inbox_id))
        .where(User.is_active, User.available_for_chat)
        # Light agents take no chats and no tickets (docs/desk.md, "Light agents"): routing,
        # auto-assignment and the messenger's "online" never count them.
        .where(User.role != Role.collaborator)
        # Out of office counts as away before the loop has made them unavailable.
        .where(not_away(utcnow()))
    )


def participants_of(chat_ids: Sequence[int]) -> Select[ChatParticipant, User]:
    """The participants of many chats in one query, in the order they joined each chat."""
    return (
        select(ChatParticipant, User)
        .join(User, User.id == ChatParticipant.user_id)
        .where(ChatParticipant.chat_id.in_(chat_ids))
        .order_by(ChatParticipant.chat_id, ChatParticipant.joined_at)
    )


def someone_online(inbox_id: int) -> Select[int]:
    """One online member's id, if there is one: whether the inbox can take a chat at all."""
    return online_members(inbox_id).with_only_columns(User.id).limit(1)


def unread_by_chat(user_id: int, chat_ids: list[int]) -> Select[int, int]:
    """(chat, visitor messages after the agent's read mark) for chats they participate in."""
    return (
        select(ChatEvent.chat_id, func.count())
        .join(
            ChatParticipant,
            (ChatParticipant.chat_id == ChatEvent.chat_id) & (ChatParticipant.user_id == user_id),
        )
        .where(
            ChatEvent.chat_id.in_(chat_ids),
            ChatEvent.type == ChatEventType.message_added,
            ChatEvent.author_kind == AuthorKind.visitor,
            ChatEvent.seq > ChatParticipant.read_seq,
        )
        .group_by(ChatEvent.chat_id)
    )
