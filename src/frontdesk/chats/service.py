"""The chat rules (docs/chat.md): start, offer, join, message, invite, transfer, leave, end, labels,
read marks, availability, the ticket at the end, and the unanswered timers."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from frontdesk.chats import queries, statements
from frontdesk.chats.errors import (
    AlreadyJoined,
    AtCapacity,
    ChatEnded,
    ChatNotFound,
    IdentityUnverified,
    InviteeNotOnline,
    LastParticipant,
    MessageTooLong,
    NoAgentsOnline,
    NotInvited,
    NotOnline,
    NotParticipant,
)
from frontdesk.chats.events import (
    ChatEventType,
    LiveEvent,
    chat_summary,
    publish_chat_event,
    publish_to_agents,
    publish_to_all_agents,
    publish_to_followers,
    publish_to_inbox,
    publish_to_visitor,
)
from frontdesk.chats.models import (
    AuthorKind,
    AvailabilityChange,
    Chat,
    ChatEvent,
    ChatInvitation,
    ChatParticipant,
    ChatState,
    Connection,
    ConnectionKind,
    EndReason,
    InvitationKind,
    Visitor,
    chat_labels,
)
from frontdesk.chats.statements import LockedChat
from frontdesk.customers import service as customers_service
from frontdesk.db.context import settings_of
from frontdesk.errors import FrontdeskError, Invalid, Unauthorized
from frontdesk.inboxes import service as inboxes_service
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.clock import utcnow
from frontdesk.kit.ids import new_token, token_digest
from frontdesk.labels import service as labels_service
from frontdesk.labels.models import Label
from frontdesk.mail import outbound as mail_outbound
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Direction, EntryKind, Ticket, TicketState, TicketType
from frontdesk.users.models import User

DEFAULT_WAIT_ESTIMATE = 60
PREVIEW_LENGTH = 300


@dataclass(frozen=True)
class Author:
    kind: AuthorKind
    name: str
    user_id: int | None = None


# A visitor's messages carry the name they gave when the chat started.
VISITOR = Author(AuthorKind.visitor, "Visitor")


def visitor_author(visitor: Visitor, chat: Chat) -> Author:
    return Author(AuthorKind.visitor, chat.visitor_name or visitor.name or "Visitor")


def agent_author(user: User) -> Author:
    return Author(AuthorKind.agent, user.name, user.id)


# --- visitors ----------------------------------------------------------------------------------


async def create_visitor(session: AsyncSession, *, inbox: Inbox) -> tuple[Visitor, str]:
    token = new_token("v_")
    visitor = Visitor(inbox_id=inbox.id, token_hash=token_digest(token), attributes={})
    session.add(visitor)
    await session.flush()
    return visitor, token


async def resolve_visitor(session: AsyncSession, *, token: str) -> Visitor | None:
    return await session.scalar(select(Visitor).where(Visitor.token_hash == token_digest(token)))


def identity_hash(secret: str, email: str) -> str:
    """What the company's server computes for messenger.identify({userHash})."""
    return hmac.new(secret.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


async def identify_visitor(
    session: AsyncSession,
    *,
    visitor: Visitor,
    inbox: Inbox,
    name: str | None,
    email: str | None,
    user_hash: str | None,
    attributes: dict[str, Any] | None,
) -> Visitor:
    verified = False
    if email:
        if inbox.identity_secret and user_hash:
            verified = hmac.compare_digest(identity_hash(inbox.identity_secret, email), user_hash)
            if not verified:
                raise IdentityUnverified
        elif inbox.require_identity:
            raise IdentityUnverified
        visitor.email = email.strip().lower()
    if name:
        visitor.name = name.strip()
    if attributes:
        visitor.attributes = dict(visitor.attributes) | attributes
    visitor.identity_verified = verified
    visitor.last_seen_at = utcnow()
    return visitor


def _still_verified(visitor: Visitor, typed: str | None) -> bool:
    """A form keeps the verified identity only when it leaves the address out or repeats it."""
    return visitor.identity_verified and typed in (None, visitor.email)


def _normalized(email: str | None) -> str | None:
    return email.strip().lower() if email else None


def _take_email(visitor: Visitor, *, inbox: Inbox, email: str | None) -> None:
    """The address a form carries: what the visitor typed wins, but only the one the website
    signed stays verified, and an inbox that requires identity takes no other."""
    typed = _normalized(email)
    verified = _still_verified(visitor, typed)
    if inbox.require_identity and not verified:
        raise IdentityUnverified(
            "This inbox only takes messages from visitors the website has signed in; "
            "use the email address you are signed in with."
        )
    visitor.email = typed or visitor.email
    visitor.identity_verified = verified


def claims_unconfirmed_email(visitor: Visitor, *, email: str | None) -> bool:
    """Whether a chat started with this address would give mail an address nobody confirmed."""
    typed = _normalized(email)
    return bool(typed or visitor.email) and not _still_verified(visitor, typed)


async def clear_identity(session: AsyncSession, *, visitor: Visitor) -> Visitor:
    visitor.email = None
    visitor.name = ""
    visitor.attributes = {}
    visitor.identity_verified = False
    return visitor


async def report_page(session: AsyncSession, *, visitor: Visitor, url: str, title: str) -> None:
    visitor.page_url, visitor.page_title = url[:2000], title[:500]
    visitor.last_seen_at = utcnow()
    for chat in await open_chats_of_visitor(session, visitor=visitor):
        publish_to_inbox(
            session,
            LiveEvent.page_viewed,
            inbox_id=chat.inbox_id,
            data={"chat_id": chat.id, "url": visitor.page_url, "title": visitor.page_title},
        )


async def report_minimized(session: AsyncSession, *, visitor: Visitor, minimized: bool) -> None:
    visitor.minimized = minimized
    for chat in await open_chats_of_visitor(session, visitor=visitor):
        publish_to_inbox(
            session,
            LiveEvent.minimized,
            inbox_id=chat.inbox_id,
            data={"chat_id": chat.id, "minimized": minimized},
        )


async def followed_chat_ids(session: AsyncSession, *, user: User) -> Sequence[int]:
    """Chats whose every message this agent's desks should hear: the ones they are in."""
    return (
        await session.scalars(
            select(ChatParticipant.chat_id)
            .join(Chat, Chat.id == ChatParticipant.chat_id)
            .where(
                ChatParticipant.user_id == user.id,
                ChatParticipant.left_at.is_(None),
                Chat.state != ChatState.ended,
            )
        )
    ).all()


async def open_chats_of_visitor(session: AsyncSession, *, visitor: Visitor) -> Sequence[Chat]:
    return (
        await session.scalars(
            queries.visitor_chats(visitor.id).where(Chat.state != ChatState.ended)
        )
    ).all()


# --- reading chats -----------------------------------------------------------------------------


async def get_chat(session: AsyncSession, *, user: User, chat_id: int) -> Chat:
    chat = await session.scalar(queries.visible_chats(user).where(Chat.id == chat_id))
    if chat is None:
        raise ChatNotFound
    return chat


async def get_visitor_chat(session: AsyncSession, *, visitor: Visitor, chat_id: int) -> Chat:
    chat = await session.scalar(queries.visitor_chats(visitor.id).where(Chat.id == chat_id))
    if chat is None:
        raise ChatNotFound
    return chat


async def list_visitor_chats(session: AsyncSession, *, visitor: Visitor) -> Sequence[Chat]:
    return (
        await session.scalars(queries.visitor_chats(visitor.id).order_by(Chat.started_at.desc()))
    ).all()


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


async def visitor_of(session: AsyncSession, *, chat: Chat) -> Visitor:
    visitor = await session.get(Visitor, chat.visitor_id)
    if visitor is None:
        raise ChatNotFound
    return visitor


async def visitor_connected(session: AsyncSession, *, visitor_id: int) -> bool:
    return (
        await session.scalar(
            select(Connection.id).where(Connection.visitor_id == visitor_id).limit(1)
        )
    ) is not None


async def unread_counts(
    session: AsyncSession, *, user: User, chats: Sequence[Chat]
) -> dict[int, int]:
    """Visitor messages after the agent's read mark, per chat they participate in."""
    if not chats:
        return {}
    rows = await session.execute(
        select(ChatEvent.chat_id, func.count())
        .join(
            ChatParticipant,
            (ChatParticipant.chat_id == ChatEvent.chat_id) & (ChatParticipant.user_id == user.id),
        )
        .where(
            ChatEvent.chat_id.in_([chat.id for chat in chats]),
            ChatEvent.type == ChatEventType.message_added,
            ChatEvent.author_kind == AuthorKind.visitor,
            ChatEvent.seq > ChatParticipant.read_seq,
        )
        .group_by(ChatEvent.chat_id)
    )
    return dict(rows.all())


BarColor = Literal["red", "orange", "green"]


@dataclass(frozen=True)
class BarItem:
    chat: Chat
    color: BarColor
    unread: int
    invitation: ChatInvitation | None


async def chat_bar(session: AsyncSession, *, user: User) -> list[BarItem]:
    """Red: waiting chats offered to me, or invitations to me; orange/green: chats I am in."""
    items: list[BarItem] = []
    mine = (
        await session.scalars(
            select(Chat)
            .join(ChatParticipant, ChatParticipant.chat_id == Chat.id)
            .where(
                ChatParticipant.user_id == user.id,
                ChatParticipant.left_at.is_(None),
                Chat.state != ChatState.ended,
            )
            .order_by(Chat.started_at)
        )
    ).all()
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
                select(Chat)
                .where(
                    Chat.state == ChatState.waiting,
                    Chat.inbox_id.in_(queries.member_inbox_ids(user.id)),
                )
                .order_by(Chat.started_at)
            )
        ).all()
        invited = {chat.id for _invitation, chat in invites}
        items += [BarItem(chat, "red", 0, None) for chat in waiting if chat.id not in invited]
    for chat in mine:
        count = unread.get(chat.id, 0)
        items.append(BarItem(chat, "orange" if count else "green", count, None))
    return items


async def list_ongoing(
    session: AsyncSession, *, user: User, inbox_id: int | None
) -> Sequence[Chat]:
    query = queries.visible_chats(user).where(Chat.state != ChatState.ended)
    if inbox_id is not None:
        query = query.where(Chat.inbox_id == inbox_id)
    return (await session.scalars(query.order_by(Chat.started_at.desc()))).all()


async def has_capacity(session: AsyncSession, *, user: User) -> bool:
    load = await session.scalar(queries.active_chat_count(user.id)) or 0
    return load < user.max_concurrent_chats


async def agent_loads(session: AsyncSession) -> dict[int, int]:
    return dict((await session.execute(queries.load_by_user())).all())


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
            select(func.count()).where(
                Chat.inbox_id == chat.inbox_id,
                Chat.state == ChatState.waiting,
                Chat.started_at < chat.started_at,
            )
        )
        or 0
    )
    recent = (
        await session.execute(
            select(Chat.started_at, Chat.answered_at)
            .where(Chat.inbox_id == chat.inbox_id, Chat.answered_at.is_not(None))
            .order_by(Chat.answered_at.desc())
            .limit(20)
        )
    ).all()
    waits = sorted((answered - started).total_seconds() for started, answered in recent if answered)
    typical = waits[len(waits) // 2] if waits else DEFAULT_WAIT_ESTIMATE
    agents = max(1, len(await offer_targets(session, inbox_id=chat.inbox_id)))
    return ahead + 1, int(typical * (1 + ahead / agents))


async def anyone_online(session: AsyncSession, *, inbox: Inbox) -> bool:
    return (
        await session.scalar(queries.online_members(inbox.id).with_only_columns(User.id).limit(1))
    ) is not None


_Row = TypeVar("_Row", Chat, User)


# --- the event log -----------------------------------------------------------------------------


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


async def _append(
    session: AsyncSession,
    *,
    chat: Chat,
    type: ChatEventType,
    author: Author,
    text: str = "",
    data: dict[str, Any] | None = None,
    client_msg_id: str | None = None,
    visible_to_visitor: bool = True,
) -> ChatEvent:
    """The next event of a locked chat: sequence number, row and publication after commit."""
    now = utcnow()
    seq = chat.last_seq + 1
    values: dict[str, Any] = {"last_seq": seq}
    if type is ChatEventType.message_added:
        values |= {"last_message_at": now, "last_message_text": text[:PREVIEW_LENGTH]}
        if author.kind is AuthorKind.visitor:
            values["last_visitor_seq"] = seq
    await session.execute(
        update(Chat)
        .where(Chat.id == chat.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    for key, value in values.items():
        set_committed_value(chat, key, value)
    event = ChatEvent(
        chat_id=chat.id,
        seq=seq,
        type=type.value,
        author_kind=author.kind,
        author_user_id=author.user_id,
        author_name=author.name,
        client_msg_id=client_msg_id,
        text=text,
        data=data or {},
        visible_to_visitor=visible_to_visitor,
        created_at=now,
    )
    session.add(event)
    await session.flush()
    publish_chat_event(session, inbox_id=chat.inbox_id, visitor_id=chat.visitor_id, event=event)
    return event


def ensure_message(text: str, *, limit: int) -> str:
    if not text.strip():
        raise Invalid("text", "Write a message first.")
    if len(text) > limit:
        raise MessageTooLong(limit)
    if "\x00" in text:
        raise Invalid("text", "Messages cannot contain NUL characters (\\u0000).")
    return text


# --- the lifecycle -----------------------------------------------------------------------------


async def start_chat(
    session: AsyncSession,
    *,
    visitor: Visitor,
    inbox: Inbox,
    name: str,
    email: str | None,
    text: str,
    client_msg_id: str | None,
    page_url: str | None,
    page_title: str | None,
) -> Chat:
    limit = settings_of(session).max_message_length
    text = ensure_message(text, limit=limit)
    if not await anyone_online(session, inbox=inbox):
        raise NoAgentsOnline
    _take_email(visitor, inbox=inbox, email=email)
    visitor.name = name.strip() or visitor.name
    if page_url is not None:
        visitor.page_url, visitor.page_title = page_url[:2000], (page_title or "")[:500]
    now = utcnow()
    visitor.last_seen_at = now
    chat = Chat(
        inbox_id=inbox.id,
        visitor_id=visitor.id,
        state=ChatState.waiting,
        visitor_name=visitor.name or "Visitor",
        visitor_email=visitor.email,
        visitor_verified=visitor.identity_verified,
        started_at=now,
        last_seq=0,
    )
    session.add(chat)
    await session.flush()
    await _append(
        session,
        chat=chat,
        type=ChatEventType.started,
        author=Author(AuthorKind.system, ""),
        data={"chat": chat_summary(chat), "page_url": visitor.page_url},
    )
    await _append(
        session,
        chat=chat,
        type=ChatEventType.message_added,
        author=visitor_author(visitor, chat),
        text=text,
        client_msg_id=client_msg_id,
    )
    publish_to_agents(
        session,
        LiveEvent.offered,
        user_ids=await offer_targets(session, inbox_id=inbox.id),
        data={"chat": chat_summary(chat)},
    )
    return chat


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
class _NewEvent:
    """A message's chat_events row on its way in, without the ORM's bookkeeping (an ORM object
    costs more to build than SQLite takes to store it)."""

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
    client_ids = sorted({m.client_msg_id for m in messages if m.client_msg_id})
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
    for found in await rows.stored(chat_ids, client_ids) if client_ids else ():
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
    events: list[_NewEvent] = []
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
) -> _NewEvent | PostedMessage:
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
    return _NewEvent(
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
    session: AsyncSession, rows: statements.MessageRows, batch: _Batch, events: list[_NewEvent]
) -> None:
    ids = await rows.insert(
        [{key: getattr(event, key) for key in statements.EVENT_COLUMNS} for event in events]
    )
    marks: dict[tuple[int, int], int] = {}
    chats: dict[int, dict[str, Any]] = {}
    for event, event_id in zip(events, ids, strict=True):
        event.id = event_id
        advance = chats.setdefault(event.chat_id, {"p_chat": event.chat_id, "p_visitor_seq": None})
        advance |= {"p_seq": event.seq, "p_at": event.created_at}
        advance["p_preview"] = event.text[:PREVIEW_LENGTH]
        if event.author_user_id is None:
            advance["p_visitor_seq"] = event.seq
        else:
            marks[event.chat_id, event.author_user_id] = event.seq
    if marks:
        await rows.move_read_marks(
            [{"p_chat": c, "p_user": u, "p_seq": seq} for (c, u), seq in marks.items()]
        )
    await rows.advance(list(chats.values()))
    # No `chat.read` for these marks: the agent's tabs take them from the message's own event.
    for event in events:
        chat = batch.chats[event.chat_id]
        publish_chat_event(session, inbox_id=chat.inbox_id, visitor_id=chat.visitor_id, event=event)


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


async def ensure_participant(session: AsyncSession, *, chat: Chat, user: User) -> ChatParticipant:
    participant = await session.get(ChatParticipant, (chat.id, user.id))
    if participant is None or participant.left_at is not None:
        raise NotParticipant
    return participant


async def _lock_agent(session: AsyncSession, *, user: User) -> User:
    return await _locked(session, User, user.id) or user


async def join_chat(session: AsyncSession, *, chat: Chat, agent: User) -> Chat:
    chat = await lock_chat(session, chat=chat)
    if chat.state is ChatState.ended:
        raise ChatEnded
    participant = await session.get(ChatParticipant, (chat.id, agent.id))
    if participant is not None and participant.left_at is None:
        return chat  # joining twice is harmless
    invitation = await session.scalar(
        select(ChatInvitation).where(
            ChatInvitation.chat_id == chat.id, ChatInvitation.invitee_id == agent.id
        )
    )
    if chat.state is ChatState.active and invitation is None:
        first = await session.scalar(
            select(User.name)
            .join(ChatParticipant, ChatParticipant.user_id == User.id)
            .where(ChatParticipant.chat_id == chat.id, ChatParticipant.left_at.is_(None))
            .order_by(ChatParticipant.joined_at)
            .limit(1)
        )
        raise AlreadyJoined(first or "Another agent") if first else NotInvited()
    # The agent row lock serialises one agent's joins, so two at once cannot both fit.
    agent = await _lock_agent(session, user=agent)
    if not agent.available_for_chat:
        raise NotOnline
    if not await has_capacity(session, user=agent):
        raise AtCapacity(agent.max_concurrent_chats)
    now = utcnow()
    if participant is None:
        session.add(
            ChatParticipant(
                chat_id=chat.id, user_id=agent.id, joined_at=now, read_seq=chat.last_seq
            )
        )
    else:
        participant.left_at, participant.joined_at = None, now
        participant.read_seq = chat.last_seq
    was_waiting = chat.state is ChatState.waiting
    if was_waiting:
        chat.state, chat.answered_at = ChatState.active, now
    transferred_from: User | None = None
    if invitation is not None:
        if invitation.kind is InvitationKind.transfer:
            transferred_from = await session.get(User, invitation.inviter_id)
        await session.delete(invitation)
    await session.flush()
    await _append(
        session,
        chat=chat,
        type=ChatEventType.joined,
        author=Author(AuthorKind.system, ""),
        data={"user": {"id": agent.id, "name": agent.name}, "chat": chat_summary(chat)},
    )
    if transferred_from is not None:
        await _leave(session, chat=chat, user=transferred_from, transferred_to=agent)
    if was_waiting:
        others = [
            uid for uid in await offer_targets(session, inbox_id=chat.inbox_id) if uid != agent.id
        ]
        publish_to_agents(
            session,
            LiveEvent.withdrawn,
            user_ids=others,
            data={"chat_id": chat.id, "reason": "joined"},
        )
    publish_to_agents(session, LiveEvent.chat_bar_changed, user_ids=[agent.id], data={})
    return chat


async def invite_to_chat(
    session: AsyncSession, *, chat: Chat, inviter: User, invitee: User, kind: InvitationKind
) -> ChatInvitation:
    chat = await lock_chat(session, chat=chat)
    if chat.state is ChatState.ended:
        raise ChatEnded
    await ensure_participant(session, chat=chat, user=inviter)
    if invitee.id == inviter.id:
        raise Invalid("user_id", "You are already in this chat.")
    if not invitee.is_active or not invitee.available_for_chat:
        raise InviteeNotOnline(invitee.name)
    if not await inboxes_service.is_member(session, user=invitee, inbox_id=chat.inbox_id):
        raise Invalid("user_id", f"{invitee.name} is not a member of this chat's inbox.")
    current = await session.get(ChatParticipant, (chat.id, invitee.id))
    if current is not None and current.left_at is None:
        raise Invalid("user_id", f"{invitee.name} is already in this chat.")
    invitation = await session.scalar(
        select(ChatInvitation).where(
            ChatInvitation.chat_id == chat.id, ChatInvitation.invitee_id == invitee.id
        )
    )
    if invitation is None:
        invitation = ChatInvitation(
            chat_id=chat.id, inviter_id=inviter.id, invitee_id=invitee.id, kind=kind
        )
        session.add(invitation)
    else:
        invitation.kind, invitation.inviter_id = kind, inviter.id
    await session.flush()
    await _append(
        session,
        chat=chat,
        type=ChatEventType.invited,
        author=agent_author(inviter),
        data={
            "user": {"id": invitee.id, "name": invitee.name},
            "by": {"id": inviter.id, "name": inviter.name},
            "kind": kind.value,
        },
        visible_to_visitor=False,
    )
    publish_to_agents(
        session,
        LiveEvent.offered,
        user_ids=[invitee.id],
        data={
            "chat": chat_summary(chat),
            "invitation": kind.value,
            "by": {"id": inviter.id, "name": inviter.name},
        },
    )
    return invitation


async def leave_chat(session: AsyncSession, *, chat: Chat, agent: User) -> Chat:
    chat = await lock_chat(session, chat=chat)
    if chat.state is ChatState.ended:
        raise ChatEnded
    await ensure_participant(session, chat=chat, user=agent)
    await _leave(session, chat=chat, user=agent, transferred_to=None)
    return chat


async def _leave(
    session: AsyncSession, *, chat: Chat, user: User, transferred_to: User | None
) -> None:
    present = (
        await session.scalar(
            select(func.count()).where(
                ChatParticipant.chat_id == chat.id, ChatParticipant.left_at.is_(None)
            )
        )
        or 0
    )
    if present <= 1:
        raise LastParticipant
    await session.execute(
        update(ChatParticipant)
        .where(ChatParticipant.chat_id == chat.id, ChatParticipant.user_id == user.id)
        .values(left_at=utcnow())
    )
    # Invitations the leaver sent as a transfer would pull them out again later: drop them.
    await session.execute(
        delete(ChatInvitation).where(
            ChatInvitation.chat_id == chat.id,
            ChatInvitation.inviter_id == user.id,
            ChatInvitation.kind == InvitationKind.transfer,
        )
    )
    await _append(
        session,
        chat=chat,
        type=ChatEventType.left,
        author=Author(AuthorKind.system, ""),
        data={
            "user": {"id": user.id, "name": user.name},
            "transferred_to": (
                {"id": transferred_to.id, "name": transferred_to.name} if transferred_to else None
            ),
        },
    )
    publish_to_agents(session, LiveEvent.chat_bar_changed, user_ids=[user.id], data={})


async def label_chat(
    session: AsyncSession, *, chat: Chat, agent: User, names: Sequence[str]
) -> list[Label]:
    chat = await lock_chat(session, chat=chat)
    if chat.state is ChatState.ended:
        raise ChatEnded
    await ensure_participant(session, chat=chat, user=agent)
    labels = await labels_service.resolve_labels(session, names=names)
    await session.execute(delete(chat_labels).where(chat_labels.c.chat_id == chat.id))
    if labels:
        await session.execute(
            insert(chat_labels), [{"chat_id": chat.id, "label_id": label.id} for label in labels]
        )
    await _append(
        session,
        chat=chat,
        type=ChatEventType.labelled,
        author=agent_author(agent),
        data={"labels": [label.name for label in labels]},
        visible_to_visitor=False,
    )
    return labels


async def mark_read(session: AsyncSession, *, chat: Chat, agent: User, seq: int) -> int:
    await ensure_participant(session, chat=chat, user=agent)
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
        data={"chat_id": chat.id, "user_id": user.id, "read_seq": read_seq},
    )
    return read_seq


def set_typing(session: AsyncSession, *, chat: Chat, author: Author, typing: bool) -> None:
    data = {
        "chat_id": chat.id,
        "author": {
            "kind": author.kind.value,
            "id": author.user_id,
            "name": author.name,
        },
        "typing": typing,
    }
    if chat.state is ChatState.ended:
        return
    if author.kind is not AuthorKind.visitor:
        publish_to_visitor(session, LiveEvent.typing, visitor_id=chat.visitor_id, data=data)
    publish_to_followers(session, LiveEvent.typing, chat_id=chat.id, data=data)


async def end_chat(
    session: AsyncSession, *, chat: Chat, agent: User | None, reason: EndReason
) -> Ticket:
    """Ends the chat and creates its one ticket; a second end finds it ended and is refused."""
    chat = await lock_chat(session, chat=chat)
    if chat.state is ChatState.ended:
        raise ChatEnded
    if agent is not None:
        await ensure_participant(session, chat=chat, user=agent)
    was_waiting = chat.state is ChatState.waiting
    now = utcnow()
    chat.state, chat.end_reason, chat.ended_at = ChatState.ended, reason, now
    chat.ended_by_id = agent.id if agent else None
    ticket, emailed = await _ticket_for(session, chat=chat, agent=agent, reason=reason)
    chat.ticket_id = ticket.id
    await session.flush()
    await _append(
        session,
        chat=chat,
        type=ChatEventType.ended,
        author=Author(AuthorKind.system, ""),
        data={
            "reason": reason.value,
            "by": {"id": agent.id, "name": agent.name} if agent else None,
            "ticket_id": ticket.id,
            "transcript_emailed": emailed,
        },
    )
    present = [
        participant.user_id
        for participant, _user in await participants(session, chat=chat)
        if participant.left_at is None
    ]
    await session.execute(delete(ChatInvitation).where(ChatInvitation.chat_id == chat.id))
    publish_to_agents(session, LiveEvent.chat_bar_changed, user_ids=present, data={})
    if was_waiting:
        publish_to_agents(
            session,
            LiveEvent.withdrawn,
            user_ids=await offer_targets(session, inbox_id=chat.inbox_id),
            data={"chat_id": chat.id, "reason": "ended"},
        )
    return ticket


async def _ticket_for(
    session: AsyncSession, *, chat: Chat, agent: User | None, reason: EndReason
) -> tuple[Ticket, bool]:
    visitor = await visitor_of(session, chat=chat)
    customer = await customers_service.find_or_create(
        session, email=chat.visitor_email, name=chat.visitor_name, verified=chat.visitor_verified
    )
    if visitor.attributes and (chat.visitor_verified or not customer.attributes):
        await customers_service.update_customer(
            session, customer=customer, attributes=visitor.attributes
        )
    inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=chat.inbox_id)
    labels = await labels_service.resolve_labels(
        session, names=(await chat_label_names(session, chat_ids=[chat.id]))[chat.id]
    )
    answered = reason is EndReason.agent
    events = await events_after(
        session, chat_id=chat.id, after_seq=0, for_visitor=False, limit=100_000
    )
    ticket = await tickets_service.create_ticket(
        session,
        inbox=inbox,
        customer=customer,
        subject=chat_subject(events),
        type=TicketType.chat,
        state=TicketState.closed if answered else TicketState.open,
        assignee=agent if answered else None,
        labels=labels,
    )
    lines = transcript_lines(events)
    entry = await tickets_service.add_entry(
        session,
        ticket=ticket,
        kind=EntryKind.transcript,
        direction=Direction.inbound,
        text="\n".join(line.plain() for line in lines),
        author_customer=customer,
        data={
            "chat_id": chat.id,
            "reason": reason.value,
            "lines": [line.as_dict() for line in lines],
            "email": chat.visitor_email,
            "verified": chat.visitor_verified,
        },
    )
    emailed = await mail_outbound.queue_transcript(
        session, ticket=ticket, entry=entry, lines=lines, answered=answered
    )
    return ticket, emailed


def chat_subject(events: Sequence[ChatEvent]) -> str:
    """The ticket's subject: the first line of the visitor's first message."""
    for event in events:
        if event.type == ChatEventType.message_added and event.author_kind is AuthorKind.visitor:
            first_line = next((line for line in event.text.splitlines() if line.strip()), "")
            return first_line.strip()[:80] or "Live chat"
    return "Live chat"


@dataclass(frozen=True)
class TranscriptLine:
    at: datetime
    kind: str  # visitor | agent | system
    author: str
    text: str

    def plain(self) -> str:
        stamp = self.at.strftime("%Y-%m-%d %H:%M UTC")
        return (
            f"[{stamp}] {self.text}"
            if self.kind == "system"
            else f"[{stamp}] {self.author}: {self.text}"
        )

    def as_dict(self) -> dict[str, str]:
        return {
            "at": self.at.isoformat(),
            "kind": self.kind,
            "author": self.author,
            "text": self.text,
        }


def transcript_lines(events: Sequence[ChatEvent]) -> list[TranscriptLine]:
    """Every message with author and time, and the joins, transfers and leaves between them."""
    lines: list[TranscriptLine] = []
    for event in events:
        data = event.data
        match event.type:
            case ChatEventType.message_added:
                text = event.text
                lines.append(
                    TranscriptLine(
                        event.created_at, event.author_kind.value, event.author_name, text
                    )
                )
                continue
            case ChatEventType.joined:
                text = f"{data['user']['name']} joined the chat"
            case ChatEventType.left if data.get("transferred_to"):
                text = (
                    f"{data['user']['name']} transferred the chat to "
                    f"{data['transferred_to']['name']}"
                )
            case ChatEventType.left:
                text = f"{data['user']['name']} left the chat"
            case ChatEventType.invited:
                text = f"{data['by']['name']} invited {data['user']['name']}"
            case _:
                continue
        lines.append(TranscriptLine(event.created_at, "system", "", text))
    return lines


# --- availability ------------------------------------------------------------------------------


async def set_availability(
    session: AsyncSession, *, user: User, available: bool, reason: str = "self"
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
        data={"user": {"id": user.id, "name": user.name}, "available": available, "reason": reason},
    )
    publish_to_agents(session, LiveEvent.chat_bar_changed, user_ids=[user.id], data={})
    if not available:
        await session.flush()
        await end_orphaned_chats(session, user=user)
    return user


async def end_orphaned_chats(session: AsyncSession, *, user: User) -> int:
    """Waiting chats of this agent's inboxes in which nobody is online any more end unanswered."""
    ended = 0
    inbox_ids = (await session.scalars(queries.member_inbox_ids(user.id))).all()
    for inbox_id in inbox_ids:
        if (
            await session.scalar(
                queries.online_members(inbox_id).with_only_columns(User.id).limit(1)
            )
            is not None
        ):
            continue
        waiting = (
            await session.scalars(
                select(Chat).where(Chat.inbox_id == inbox_id, Chat.state == ChatState.waiting)
            )
        ).all()
        for chat in waiting:
            await end_chat(session, chat=chat, agent=None, reason=EndReason.unanswered)
            ended += 1
    return ended


# --- timers ------------------------------------------------------------------------------------


async def end_unanswered_chats(
    session: AsyncSession, *, now: datetime, visitor_grace: float, limit: int = 100
) -> int:
    """Waiting too long, or the visitor gone for longer than the grace period."""
    due = (
        await session.scalars(
            select(Chat)
            .join(Inbox, Inbox.id == Chat.inbox_id)
            .join(Visitor, Visitor.id == Chat.visitor_id)
            .where(Chat.state == ChatState.waiting)
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


async def expire_idle_agents(session: AsyncSession, *, now: datetime, idle_timeout: float) -> int:
    """Online agents with no desk open for the idle timeout go offline: no waiting on a ghost."""
    cutoff = now - timedelta(seconds=idle_timeout)
    connected = select(Connection.user_id).where(Connection.kind == ConnectionKind.agent)
    idle = (
        await session.scalars(
            select(User)
            .where(
                User.available_for_chat,
                User.id.not_in(connected.where(Connection.user_id.is_not(None))),
                func.coalesce(User.last_seen_at, User.availability_changed_at) <= cutoff,
            )
            .with_for_update(skip_locked=True)
        )
    ).all()
    for user in idle:
        await set_availability(session, user=user, available=False, reason="idle")
    return len(idle)


# --- presence ----------------------------------------------------------------------------------


async def connection_opened(
    session: AsyncSession,
    *,
    connection_id: str,
    process_id: str,
    user: User | None = None,
    visitor: Visitor | None = None,
) -> None:
    now = utcnow()
    first = False
    if visitor is not None:
        first = not await visitor_connected(session, visitor_id=visitor.id)
        visitor.last_seen_at = now
    elif user is not None:
        user.last_seen_at = now
    session.add(
        Connection(
            id=connection_id,
            process_id=process_id,
            connected_at=now,
            heartbeat_at=now,
            kind=ConnectionKind.visitor if visitor else ConnectionKind.agent,
            user_id=user.id if user else None,
            visitor_id=visitor.id if visitor else None,
        )
    )
    await session.flush()
    if visitor is not None and first:
        await _publish_presence(session, visitor=visitor, connected=True)


async def connection_closed(session: AsyncSession, *, connection_id: str) -> None:
    connection = await session.get(Connection, connection_id)
    if connection is None:
        return
    await session.delete(connection)
    await session.flush()
    now = utcnow()
    if connection.visitor_id is not None:
        visitor = await session.get(Visitor, connection.visitor_id)
        if visitor is not None:
            visitor.last_seen_at = now
            if not await visitor_connected(session, visitor_id=visitor.id):
                await _publish_presence(session, visitor=visitor, connected=False)
    elif connection.user_id is not None:
        await session.execute(
            update(User).where(User.id == connection.user_id).values(last_seen_at=now)
        )


async def _publish_presence(session: AsyncSession, *, visitor: Visitor, connected: bool) -> None:
    for chat in await open_chats_of_visitor(session, visitor=visitor):
        publish_to_inbox(
            session,
            LiveEvent.presence,
            inbox_id=chat.inbox_id,
            data={"chat_id": chat.id, "connected": connected},
        )


async def heartbeat(session: AsyncSession, *, process_id: str) -> None:
    await session.execute(
        update(Connection).where(Connection.process_id == process_id).values(heartbeat_at=utcnow())
    )


async def reap_stale_connections(session: AsyncSession, *, now: datetime, max_age: float) -> int:
    """Rows of a process that died without closing its sockets."""
    stale = (
        await session.scalars(
            select(Connection.id).where(Connection.heartbeat_at < now - timedelta(seconds=max_age))
        )
    ).all()
    for connection_id in stale:
        await connection_closed(session, connection_id=connection_id)
    return len(stale)


# --- contact form ------------------------------------------------------------------------------


async def submit_contact_form(
    session: AsyncSession,
    *,
    visitor: Visitor,
    inbox: Inbox,
    name: str,
    email: str,
    text: str,
    page_url: str | None,
) -> Ticket:
    text = ensure_message(text, limit=settings_of(session).max_message_length)
    _take_email(visitor, inbox=inbox, email=email)
    visitor.name = name.strip() or visitor.name
    customer = await customers_service.find_or_create(
        session, email=email, name=name, verified=visitor.identity_verified
    )
    first_line = text.strip().splitlines()[0][:80]
    ticket = await tickets_service.create_ticket(
        session,
        inbox=inbox,
        customer=customer,
        subject=first_line,
        type=TicketType.web,
        state=TicketState.open,
    )
    await tickets_service.add_entry(
        session,
        ticket=ticket,
        kind=EntryKind.reply,
        direction=Direction.inbound,
        text=text,
        author_customer=customer,
        data={"page_url": page_url, "email": visitor.email, "verified": visitor.identity_verified},
    )
    return ticket
