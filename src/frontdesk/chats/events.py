"""Publishing chat events to the topics that hear them. Their names and payload types are in
realtime/catalogue.py; only the chat domain's services record them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, TypedDict

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats.models import AuthorKind, Chat
from frontdesk.realtime.catalogue import (
    AvailabilityChanged,
    ChatBarChanged,
    ChatEnded,
    ChatEventType,
    ChatInvited,
    ChatJoined,
    ChatLabelled,
    ChatLeft,
    ChatOffered,
    ChatRead,
    ChatStarted,
    ChatSummary,
    ChatTyping,
    ChatTypingPreview,
    ChatWithdrawn,
    InvitationCancelled,
    LiveEvent,
    Message,
    Minimized,
    PageViewed,
    Presence,
    UserRef,
    visitor_keys,
)
from frontdesk.realtime.envelope import (
    ALL_AGENTS,
    agent_topic,
    chat_topic,
    inbox_topic,
    visitor_topic,
)
from frontdesk.realtime.publisher import record
from frontdesk.users.models import User


class EventRecord(Protocol):
    """A chat event as stored: a `ChatEvent` row, or a message the hot path has just inserted."""

    id: int
    chat_id: int
    seq: int
    type: str
    author_kind: AuthorKind
    author_user_id: int | None
    author_name: str
    client_msg_id: str | None
    text: str
    data: dict[str, Any]
    visible_to_visitor: bool
    created_at: datetime


class ProactiveLine(TypedDict):
    """Stored with a chat's first line written from a proactive message; sent as the message's
    `proactive` flag."""

    proactive_message_id: int


# What the chat domain sends as `data`; which payload goes with which event is the catalogue's.
StoredData = (
    ChatStarted
    | ProactiveLine
    | ChatJoined
    | ChatInvited
    | InvitationCancelled
    | ChatLeft
    | ChatLabelled
    | ChatEnded
)
LiveData = (
    ChatOffered
    | ChatWithdrawn
    | ChatTyping
    | ChatTypingPreview
    | ChatRead
    | PageViewed
    | Minimized
    | Presence
    | AvailabilityChanged
    | ChatBarChanged
)


__all__ = [
    "ChatEventType",
    "EventRecord",
    "LiveData",
    "LiveEvent",
    "ProactiveLine",
    "StoredData",
    "chat_summary",
    "event_payload",
    "publish_chat_event",
    "publish_to_agents",
    "publish_to_all_agents",
    "publish_to_followers",
    "publish_to_inbox",
    "publish_to_visitor",
    "user_ref",
]


def chat_summary(chat: Chat) -> ChatSummary:
    return ChatSummary(
        id=chat.id,
        inbox_id=chat.inbox_id,
        state=chat.state.value,
        visitor_name=chat.visitor_name,
        started_at=chat.started_at.isoformat(),
        last_message_text=chat.last_message_text,
        last_seq=chat.last_seq,
    )


def user_ref(user: User) -> UserRef:
    return UserRef(id=user.id, name=user.name)


def event_payload(event: EventRecord, *, for_visitor: bool) -> dict[str, Any]:
    data = _agent_payload(event)
    return _visitor_payload(event.type, data) if for_visitor else data


def _agent_payload(event: EventRecord) -> dict[str, Any]:
    data = dict(event.data)
    if event.type == ChatEventType.message_added:
        message = Message(
            id=event.id,
            author={
                "kind": event.author_kind.value,
                "id": event.author_user_id,
                "name": event.author_name,
            },
            text=event.text,
            client_msg_id=event.client_msg_id,
            created_at=event.created_at.isoformat(),
        )
        # Stored with the event (chats/attachments.py), sent as part of the message.
        attachments = data.pop("attachments", None)
        if attachments:
            message["attachments"] = attachments
        if data.pop("proactive_message_id", None) is not None:
            message["proactive"] = True
        data["message"] = message
    return data


def _visitor_payload(type: str, data: dict[str, Any]) -> dict[str, Any]:
    # Only what the catalogue's visitor payload names: a key added for agents stays theirs.
    allowed = visitor_keys(type)
    return {key: value for key, value in data.items() if key in allowed}


# The frequent events go only to the desks that follow the chat; the rest of the inbox learns
# about the chat's changes of state (started, joined, ended …), which is what its lists show.
FOLLOWERS_ONLY = frozenset({ChatEventType.message_added})


def publish_chat_event(
    session: AsyncSession, *, inbox_id: int, visitor_id: int, event: EventRecord
) -> None:
    """Agents get the full event; the visitor a filtered copy of what is theirs."""
    topics = (
        [chat_topic(event.chat_id)]
        if event.type in FOLLOWERS_ONLY
        else [inbox_topic(inbox_id), chat_topic(event.chat_id)]
    )
    # Built once: the visitor's copy shares the agents' values (nobody changes them once sent).
    data = _agent_payload(event)
    record(
        session,
        type=event.type,
        topics=topics,
        data=data,
        chat_id=event.chat_id,
        seq=event.seq,
    )
    if event.visible_to_visitor:
        record(
            session,
            type=event.type,
            topics=[visitor_topic(visitor_id)],
            data=_visitor_payload(event.type, data),
            chat_id=event.chat_id,
            seq=event.seq,
        )


def publish_to_agents(
    session: AsyncSession, event: LiveEvent, *, user_ids: list[int], data: LiveData
) -> None:
    if user_ids:
        record(session, type=event.value, topics=[agent_topic(uid) for uid in user_ids], data=data)


def publish_to_followers(
    session: AsyncSession, event: LiveEvent, *, chat_id: int, data: LiveData
) -> None:
    record(session, type=event.value, topics=[chat_topic(chat_id)], data=data)


def publish_to_inbox(
    session: AsyncSession, event: LiveEvent, *, inbox_id: int, data: LiveData
) -> None:
    record(session, type=event.value, topics=[inbox_topic(inbox_id)], data=data)


def publish_to_visitor(
    session: AsyncSession, event: LiveEvent, *, visitor_id: int, data: LiveData
) -> None:
    record(session, type=event.value, topics=[visitor_topic(visitor_id)], data=data)


def publish_to_all_agents(session: AsyncSession, event: LiveEvent, *, data: LiveData) -> None:
    record(session, type=event.value, topics=[ALL_AGENTS], data=data)
