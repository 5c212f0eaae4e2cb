"""The chat event log: every stored change of a chat is the chat's next event, with its own
sequence number, published after the commit. Messages take the batched hot path (`post_messages`);
both it and the system events (`append_event`) write through one function (`_write_events`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from frontdesk.chats import queries, statements
from frontdesk.chats.errors import (
    ChatEnded,
    ChatNotFound,
    MessageTooLong,
    NotParticipant,
)
from frontdesk.chats.events import (
    ChatEventType,
    StoredData,
    publish_chat_event,
)
from frontdesk.chats.models import (
    AuthorKind,
    Chat,
    ChatEvent,
    ChatState,
    Visitor,
)
from frontdesk.chats.statements import LockedChat
from frontdesk.db.context import settings_of
from frontdesk.errors import FrontdeskError, Invalid, Unauthorized
from frontdesk.kit.clock import utcnow
from frontdesk.metrics import record as metrics
from frontdesk.users.models import User

PREVIEW_LENGTH = 300


@dataclass(frozen=True)
class Author:
    kind: AuthorKind
    name: str
    user_id: int | None = None


# A visitor's messages carry the name they gave when the chat started.
VISITOR = Author(AuthorKind.visitor, "Visitor")
# Joins, leaves, invitations, the end: lines the chat writes itself.
SYSTEM = Author(AuthorKind.system, "")


def visitor_author(visitor: Visitor, chat: Chat) -> Author:
    return Author(AuthorKind.visitor, chat.visitor_name or visitor.name or "Visitor")


def agent_author(user: User) -> Author:
    return Author(AuthorKind.agent, user.name, user.id)


_Row = TypeVar("_Row", Chat, User, Visitor)


async def _locked(session: AsyncSession, model: type[_Row], row_id: int) -> _Row | None:
    """The row re-read under a row lock (SQLite: the process's single connection serialises)."""
    return await session.scalar(
        select(model)
        .where(model.id == row_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def lock_chat(session: AsyncSession, *, chat: Chat) -> Chat:
    """Re-reads the chat under a row lock: every change to a chat is serialised through it."""
    locked = await _locked(session, Chat, chat.id)
    if locked is None:
        raise ChatNotFound
    return locked


async def lock_agent(session: AsyncSession, *, user: User) -> User:
    return await _locked(session, User, user.id) or user


async def lock_visitor(session: AsyncSession, *, visitor: Visitor) -> Visitor:
    return await _locked(session, Visitor, visitor.id) or visitor


async def append_event(
    session: AsyncSession,
    *,
    chat: Chat,
    type: ChatEventType,
    author: Author,
    text: str = "",
    data: StoredData | None = None,
    client_msg_id: str | None = None,
    visible_to_visitor: bool = True,
) -> None:
    """The next event of a locked chat, written the way every message is (`_write_events`)."""
    # The event is written beneath the ORM: the rows it refers to (the chat, a participant) first.
    await session.flush()
    event = _EventRow(
        chat_id=chat.id,
        seq=chat.last_seq + 1,
        type=type.value,
        author_kind=author.kind,
        author_user_id=author.user_id,
        author_name=author.name,
        client_msg_id=client_msg_id,
        text=text,
        data=dict(data) if data is not None else {},
        visible_to_visitor=visible_to_visitor,
        created_at=utcnow(),
    )
    [advanced] = await _write_events(
        session, await statements.message_rows(session), [event], {chat.id: chat}
    )
    for column, value in advanced.columns().items():
        set_committed_value(chat, column, value)


def ensure_message(text: str, *, limit: int) -> str:
    if not text.strip():
        raise Invalid("text", "Write a message first.", field_code="required")
    if len(text) > limit:
        raise MessageTooLong(limit)
    if "\x00" in text:
        raise Invalid("text", "Messages cannot contain NUL characters (\\u0000).")
    return text


async def events_after(
    session: AsyncSession, *, chat_id: int, after_seq: int, for_visitor: bool, limit: int = 1000
) -> Sequence[ChatEvent]:
    query = (
        select(ChatEvent)
        .where(ChatEvent.chat_id == chat_id, ChatEvent.seq > after_seq)
        .order_by(ChatEvent.seq)
        .limit(limit)
    )
    if for_visitor:
        query = query.where(ChatEvent.visible_to_visitor)
    return (await session.scalars(query)).all()


@dataclass(frozen=True)
class PostedMessage:
    id: int
    seq: int
    duplicate: bool


@dataclass(frozen=True)
class NewMessage:
    """A message to append: an agent's (`user_id`, who must be active and a participant) or the
    visitor's (`visitor_id`, when given, restricts it to that visitor's own chats)."""

    chat_id: int
    text: str
    client_msg_id: str | None
    user_id: int | None = None
    visitor_id: int | None = None


MessageOutcome = PostedMessage | FrontdeskError


async def post_message(
    session: AsyncSession,
    *,
    chat_id: int,
    author: Author,
    text: str,
    client_msg_id: str | None,
    visitor_id: int | None = None,
) -> PostedMessage:
    """Appends one message; a client id already stored answers with that message instead."""
    [outcome] = await post_messages(
        session,
        [NewMessage(chat_id, text, client_msg_id, user_id=author.user_id, visitor_id=visitor_id)],
    )
    if isinstance(outcome, FrontdeskError):
        raise outcome
    return outcome


@dataclass(slots=True)
class _EventRow:
    """A chat_events row on its way in, without the ORM's bookkeeping (an ORM object costs more to
    build than SQLite takes to store it)."""

    chat_id: int
    seq: int
    author_kind: AuthorKind
    author_user_id: int | None
    author_name: str
    client_msg_id: str | None
    text: str
    created_at: datetime
    id: int = 0
    type: str = ChatEventType.message_added.value
    data: dict[str, Any] = field(default_factory=dict)
    visible_to_visitor: bool = True


@dataclass
class _Batch:
    """What `post_messages` read once for all its messages."""

    chats: dict[int, LockedChat]
    agents: dict[int, str]
    joined: set[tuple[int, int]]
    stored: dict[tuple[int, str], PostedMessage]
    limit: int
    # (chat, agent) pairs where the agent may not see the chat: for them it does not exist.
    unseen: set[tuple[int, int]] = field(default_factory=set)


async def post_messages(
    session: AsyncSession, messages: Sequence[NewMessage]
) -> list[MessageOutcome]:
    """Appends messages in order, each with its own outcome: the message stored, the one already
    stored under its client id (a retry is answered, never stored twice), or the refusal, which
    writes nothing.

    The hot path of the whole product (the realtime writer passes every message frame waiting at
    that moment), so its statements are per call, not per message: lock the chats, read the
    writing agents and whether they take part, look up client ids already stored, insert, move
    the writers' read marks (writing in a chat means having read it), advance the chats.
    """
    chat_ids = sorted({message.chat_id for message in messages})
    user_ids = sorted({m.user_id for m in messages if m.user_id is not None})
    client_keys = sorted({(m.chat_id, m.client_msg_id) for m in messages if m.client_msg_id})
    rows = await statements.message_rows(session)
    batch = _Batch(
        chats={chat.id: chat for chat in await rows.lock_chats(chat_ids)},
        agents={},
        joined=set(),
        stored={},
        limit=settings_of(session).max_message_length,
    )
    for writer in await rows.writers(user_ids, chat_ids) if user_ids else ():
        batch.agents[writer.user_id] = writer.name
        if writer.chat_id is not None:
            batch.joined.add((writer.chat_id, writer.user_id))
    for found in await rows.stored(client_keys) if client_keys else ():
        batch.stored[found.chat_id, found.client_msg_id] = PostedMessage(
            found.id, found.seq, duplicate=True
        )
    outsiders = {
        (message.chat_id, message.user_id)
        for message in messages
        if message.user_id in batch.agents
        and message.chat_id in batch.chats
        and (message.chat_id, message.user_id) not in batch.joined
    }
    if outsiders:
        batch.unseen = await _unseen_chats(session, outsiders)

    now = utcnow()
    # Each message's outcome, or where its event is in `events` (stored by this call), and
    # whether it repeats that event's client id (a retry sent before the first was answered).
    slots: list[MessageOutcome | tuple[int, bool]] = []
    events: list[_EventRow] = []
    fresh: dict[tuple[int, str], int] = {}
    last_seq: dict[int, int] = {}
    for message in messages:
        try:
            event = _admit(message, batch, last_seq=last_seq, at=now)
        except FrontdeskError as exc:
            slots.append(exc)
            continue
        key = (message.chat_id, message.client_msg_id or "")
        if isinstance(event, PostedMessage):
            slots.append(event)
        elif message.client_msg_id and key in fresh:
            slots.append((fresh[key], True))
        else:
            if message.client_msg_id:
                fresh[key] = len(events)
            last_seq[message.chat_id] = event.seq
            slots.append((len(events), False))
            events.append(event)
    if events:
        await _store_messages(session, rows, batch, events)
    await _publish_again(session, batch, [s for s in slots if isinstance(s, PostedMessage)])
    return [
        PostedMessage(events[slot[0]].id, events[slot[0]].seq, duplicate=slot[1])
        if isinstance(slot, tuple)
        else slot
        for slot in slots
    ]


async def _unseen_chats(session: AsyncSession, pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """The (chat, agent) pairs where the agent may not see the chat. Asked only about agents who
    are not in the chat, whom a desk never writes as: the path of refusals, not of messages."""
    unseen: set[tuple[int, int]] = set()
    for user_id in {user_id for _, user_id in pairs}:
        chat_ids = [chat_id for chat_id, writer in pairs if writer == user_id]
        user = await session.get_one(User, user_id)
        visible = queries.visible_chats(user).with_only_columns(Chat.id)
        seen = set(await session.scalars(visible.where(Chat.id.in_(chat_ids))))
        unseen.update((chat_id, user_id) for chat_id in chat_ids if chat_id not in seen)
    return unseen


def _admit(
    message: NewMessage, batch: _Batch, *, last_seq: dict[int, int], at: datetime
) -> _EventRow | PostedMessage:
    """The event to store for one message, the stored one it repeats, or the reason it may not."""
    text = ensure_message(message.text, limit=batch.limit)
    if message.user_id is not None and message.user_id not in batch.agents:
        raise Unauthorized("Your account is no longer active.", code="not_authenticated")
    chat = batch.chats.get(message.chat_id)
    if chat is None or (message.visitor_id is not None and chat.visitor_id != message.visitor_id):
        raise ChatNotFound
    if message.user_id is not None and (message.chat_id, message.user_id) in batch.unseen:
        # Before the duplicate and ended checks: an outsider learns nothing about the chat.
        raise ChatNotFound
    if message.client_msg_id:
        stored = batch.stored.get((message.chat_id, message.client_msg_id))
        if stored is not None:
            return stored
    if ChatState(chat.state) is ChatState.ended:
        raise ChatEnded
    if message.user_id is None:
        kind, name = AuthorKind.visitor, chat.visitor_name or VISITOR.name
    elif (message.chat_id, message.user_id) in batch.joined:
        kind, name = AuthorKind.agent, batch.agents[message.user_id]
    else:
        raise NotParticipant
    return _EventRow(
        chat_id=message.chat_id,
        seq=last_seq.get(message.chat_id, chat.last_seq) + 1,
        author_kind=kind,
        author_user_id=message.user_id,
        author_name=name,
        client_msg_id=message.client_msg_id,
        text=text,
        created_at=at,
    )


async def _store_messages(
    session: AsyncSession, rows: statements.MessageRows, batch: _Batch, events: list[_EventRow]
) -> None:
    marks = {
        (event.chat_id, event.author_user_id): event.seq
        for event in events
        if event.author_user_id is not None
    }
    # No `chat.read` for these marks: the agent's tabs take them from the message's own event.
    await _write_events(
        session,
        rows,
        events,
        batch.chats,
        marks=[{"p_chat": c, "p_user": u, "p_seq": seq} for (c, u), seq in marks.items()],
    )


class _Audience(Protocol):
    """Where a chat's events go: its inbox's desks and its visitor."""

    @property
    def inbox_id(self) -> int: ...
    @property
    def visitor_id(self) -> int: ...


@dataclass(slots=True)
class _Advance:
    """What a chat's row takes from the events just written; None leaves a column as it is."""

    chat_id: int
    last_seq: int
    last_message_at: datetime | None = None
    last_message_text: str | None = None
    last_visitor_seq: int | None = None

    def columns(self) -> dict[str, Any]:
        changed = {
            "last_message_at": self.last_message_at,
            "last_message_text": self.last_message_text,
            "last_visitor_seq": self.last_visitor_seq,
        }
        return {"last_seq": self.last_seq} | {k: v for k, v in changed.items() if v is not None}


async def _write_events(
    session: AsyncSession,
    rows: statements.MessageRows,
    events: Sequence[_EventRow],
    audiences: Mapping[int, _Audience],
    *,
    marks: list[dict[str, Any]] | None = None,
) -> list[_Advance]:
    """The one way into chat_events, for a message and for a system event alike: inserts the rows,
    moves each chat to its last event (a message also sets the chat's preview, and the visitor's,
    its last visitor message) and the `marks` given (read marks, with the same writes), and
    publishes each event after the commit."""
    advances: dict[int, _Advance] = {}
    for event in events:
        advance = advances.setdefault(event.chat_id, _Advance(event.chat_id, event.seq))
        advance.last_seq = event.seq
        if event.type == ChatEventType.message_added:
            advance.last_message_at = event.created_at
            advance.last_message_text = event.text[:PREVIEW_LENGTH]
            if event.author_kind is AuthorKind.visitor:
                advance.last_visitor_seq = event.seq
    ids = await rows.write(
        [{key: getattr(event, key) for key in statements.EVENT_COLUMNS} for event in events],
        [
            {
                "p_chat": advance.chat_id,
                "p_seq": advance.last_seq,
                "p_at": advance.last_message_at,
                "p_preview": advance.last_message_text,
                "p_visitor_seq": advance.last_visitor_seq,
            }
            for advance in advances.values()
        ],
        marks or [],
    )
    for event, event_id in zip(events, ids, strict=True):
        event.id = event_id
    await metrics.chat_messages(session, events=events)
    for event in events:
        chat = audiences[event.chat_id]
        publish_chat_event(session, inbox_id=chat.inbox_id, visitor_id=chat.visitor_id, event=event)
    return list(advances.values())


async def _publish_again(
    session: AsyncSession, batch: _Batch, repeated: Sequence[PostedMessage]
) -> None:
    """A retried message's first answer was lost, perhaps with the process that stored it before it
    could publish. Publishing the stored event again is harmless (sockets drop a seq they have
    sent) and reaches the chat's followers now rather than with its next event."""
    if not repeated:
        return
    stored = await session.scalars(
        select(ChatEvent).where(ChatEvent.id.in_({posted.id for posted in repeated}))
    )
    for event in stored:
        chat = batch.chats[event.chat_id]
        publish_chat_event(session, inbox_id=chat.inbox_id, visitor_id=chat.visitor_id, event=event)
