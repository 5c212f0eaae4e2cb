"""The rules of proactive messages (docs/messenger.md, "Proactive messages"): what an admin may
set, which ones the messenger may show, the two counts, and the line a chat started from one
opens with. The messenger decides when on the page (its address, the delay, the visitor's own
state); the server decides what is offered and counts.

Who sends: an active, full agent who is a member of the inbox. An agent deactivated or taken out
of the inbox (users are never deleted) leaves their messages in place, flagged in the settings
(`sender_can_send`), and the messenger is not offered them until an admin picks another sender:
a visitor is never greeted by someone who cannot answer the chat it starts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from frontdesk.errors import Invalid, NotFound
from frontdesk.inboxes import service as inboxes_service
from frontdesk.inboxes.models import Inbox, InboxMember
from frontdesk.proactive.models import (
    MAX_DELAY,
    MAX_NAME,
    MAX_PAGE_RULE,
    MAX_TEXT,
    ProactiveMessage,
)
from frontdesk.users.models import Role, User

# A path or a full http(s) address; `*` stands for any characters, nothing else is special.
_ADDRESS = re.compile(r"^https?://[^\s/]+(/\S*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Listed:
    message: ProactiveMessage
    sender: User
    sender_can_send: bool


@dataclass(frozen=True)
class OpeningLine:
    """The line a chat started from a proactive message opens with."""

    message_id: int
    text: str
    sender: User


def _can_send(user: User, member_ids: set[int]) -> bool:
    return user.is_active and not user.is_light_agent and user.id in member_ids


async def _member_ids(session: AsyncSession, inbox: Inbox) -> set[int]:
    return {user.id for user in await inboxes_service.list_members(session, inbox=inbox)}


def _name(value: str) -> str:
    value = value.strip()
    if not value:
        raise Invalid(
            "name", "Give it a name, so that the team knows which one it is.", field_code="required"
        )
    if len(value) > MAX_NAME:
        raise Invalid("name", f"The name is {MAX_NAME} characters at most.", limit=MAX_NAME)
    return value


def _text(value: str) -> str:
    value = value.strip()
    if not value:
        raise Invalid("text", "Write the message the visitor will read.", field_code="required")
    if len(value) > MAX_TEXT:
        raise Invalid(
            "text",
            f"The message is 1,000 characters at most; this one has {len(value):,}.",
            limit=MAX_TEXT,
        )
    return value


def page_rule(value: str) -> str:
    """The rule as kept: trimmed; a path (`/pricing*`), a full address (`https://…`), or empty
    for every page."""
    value = value.strip()
    if not value:
        return ""
    if len(value) > MAX_PAGE_RULE:
        raise Invalid(
            "page_rule",
            f"The page rule is {MAX_PAGE_RULE} characters at most.",
            limit=MAX_PAGE_RULE,
        )
    if any(c.isspace() for c in value):
        raise Invalid(
            "page_rule", "A page rule has no spaces: one path or address, such as /pricing*."
        )
    if not (value.startswith("/") or _ADDRESS.match(value)):
        raise Invalid(
            "page_rule",
            "Start with / for a path (such as /pricing*) or with https:// for a full address "
            "(such as https://shop.example.com/pricing*); leave it empty for every page.",
        )
    return value


def _delay(value: int) -> int:
    if not 0 <= value <= MAX_DELAY:
        raise Invalid(
            "delay_seconds",
            f"The delay is from 0 to {MAX_DELAY:,} seconds (an hour).",
        )
    return value


async def _sender(session: AsyncSession, *, inbox: Inbox, sender_id: int) -> User:
    user = await session.get(User, sender_id)
    if user is None or not _can_send(user, await _member_ids(session, inbox)):
        raise Invalid(
            "sender_id",
            "The sender must be an active agent who is a member of this inbox: add them to the "
            "inbox first, or choose one of its members.",
        )
    return user


async def list_messages(session: AsyncSession, *, inbox: Inbox) -> list[Listed]:
    """The inbox's proactive messages, oldest first, each with its sender and whether they can
    still send it."""
    rows = (
        await session.execute(
            select(ProactiveMessage, User)
            .join(User, User.id == ProactiveMessage.sender_id)
            .where(ProactiveMessage.inbox_id == inbox.id)
            .order_by(ProactiveMessage.id)
        )
    ).all()
    members = await _member_ids(session, inbox) if rows else set()
    return [Listed(message, user, _can_send(user, members)) for message, user in rows]


async def get_message(session: AsyncSession, *, message_id: int) -> ProactiveMessage:
    found = await session.get(ProactiveMessage, message_id)
    if found is None:
        raise NotFound("No such proactive message.")
    return found


async def listed(session: AsyncSession, *, message: ProactiveMessage) -> Listed:
    inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=message.inbox_id)
    # Users are never deleted: the sender is there.
    sender = await session.get_one(User, message.sender_id)
    return Listed(message, sender, _can_send(sender, await _member_ids(session, inbox)))


async def create_message(
    session: AsyncSession,
    *,
    inbox: Inbox,
    name: str,
    text: str,
    sender_id: int,
    page_rule_text: str = "",
    delay_seconds: int = 30,
    only_when_online: bool = True,
    enabled: bool = True,
) -> ProactiveMessage:
    message = ProactiveMessage(
        inbox_id=inbox.id,
        name=_name(name),
        text=_text(text),
        page_rule=page_rule(page_rule_text),
        delay_seconds=_delay(delay_seconds),
        only_when_online=only_when_online,
        enabled=enabled,
    )
    message.sender_id = (await _sender(session, inbox=inbox, sender_id=sender_id)).id
    session.add(message)
    await session.flush()
    return message


async def update_message(
    session: AsyncSession,
    *,
    message: ProactiveMessage,
    name: str | None = None,
    text: str | None = None,
    sender_id: int | None = None,
    page_rule_text: str | None = None,
    delay_seconds: int | None = None,
    only_when_online: bool | None = None,
    enabled: bool | None = None,
) -> ProactiveMessage:
    """Only what is given changes. A sender who left the inbox stays until another is given."""
    if name is not None:
        message.name = _name(name)
    if text is not None:
        message.text = _text(text)
    if page_rule_text is not None:
        message.page_rule = page_rule(page_rule_text)
    if delay_seconds is not None:
        message.delay_seconds = _delay(delay_seconds)
    if only_when_online is not None:
        message.only_when_online = only_when_online
    if enabled is not None:
        message.enabled = enabled
    if sender_id is not None and sender_id != message.sender_id:
        inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=message.inbox_id)
        message.sender_id = (await _sender(session, inbox=inbox, sender_id=sender_id)).id
    await session.flush()
    return message


async def delete_message(session: AsyncSession, *, message: ProactiveMessage) -> None:
    """Gone with its shown marks; chats started from it keep their first line (its text is the
    chat's own event)."""
    await session.delete(message)
    await session.flush()


async def live_messages(
    session: AsyncSession, *, inbox: Inbox
) -> Sequence[tuple[ProactiveMessage, User]]:
    """What the messenger may show: the enabled ones whose sender can still send, oldest first
    (the messenger shows the first that matches the page)."""
    rows = (
        await session.execute(
            select(ProactiveMessage, User)
            .join(User, User.id == ProactiveMessage.sender_id)
            .where(ProactiveMessage.inbox_id == inbox.id, ProactiveMessage.enabled)
            .order_by(ProactiveMessage.id)
        )
    ).all()
    if not rows:
        return []
    members = await _member_ids(session, inbox)
    return [(message, user) for message, user in rows if _can_send(user, members)]


async def _live(session: AsyncSession, *, inbox: Inbox, message_id: int) -> OpeningLine | None:
    for message, sender in await live_messages(session, inbox=inbox):
        if message.id == message_id:
            return OpeningLine(message.id, message.text, sender)
    return None


async def record_shown(session: AsyncSession, *, inbox: Inbox, message_id: int) -> None:
    """The messenger showed it. The messenger sends this once per browser (it keeps the ids it
    counted), so the count is of browsers without any id of the visitor kept here; a script that
    sends it again is held by the per-address limit (decided 2026-12-07: a count of who saw a
    greeting is worth no identifier stored for each visitor). A message of another inbox,
    disabled or gone answers 404, as an unknown one does."""
    if await _live(session, inbox=inbox, message_id=message_id) is None:
        raise NotFound("No such proactive message.")
    await session.execute(
        update(ProactiveMessage)
        .where(ProactiveMessage.id == message_id)
        .values(
            shown_count=ProactiveMessage.shown_count + 1,
            updated_at=ProactiveMessage.updated_at,  # a count is no change of settings
        )
    )


async def opening_line(
    session: AsyncSession, *, inbox: Inbox, message_id: int
) -> OpeningLine | None:
    """The line a chat started from this message opens with, or None when the messenger's offer
    is no longer good (disabled, deleted, its sender gone, another inbox's): the chat then starts
    as any other, without it."""
    return await _live(session, inbox=inbox, message_id=message_id)


async def count_started(session: AsyncSession, *, message_id: int) -> None:
    """A chat started from it (once per chat: a retried start returns before this)."""
    await session.execute(
        update(ProactiveMessage)
        .where(ProactiveMessage.id == message_id)
        .values(
            started_count=ProactiveMessage.started_count + 1,
            updated_at=ProactiveMessage.updated_at,
        )
    )


async def inbox_of(session: AsyncSession, *, inbox_id: int) -> Inbox:
    """The inbox a new message is for (422 on `inbox_id` when there is none)."""
    try:
        return await inboxes_service.get_inbox_by_id(session, inbox_id=inbox_id)
    except NotFound:
        raise Invalid("inbox_id", "No such inbox.") from None


def offered(inbox_id: QueryableAttribute[int] | ColumnElement[int]) -> ColumnElement[bool]:
    """SQL: whether the inbox has a message the messenger may show, by the rule of
    `live_messages` (enabled, its sender active, a full agent and a member of the inbox); a
    subquery of the statement /status reads its inbox with (chats/status_read.py)."""
    return (
        select(ProactiveMessage.id)
        .join(User, User.id == ProactiveMessage.sender_id)
        .join(
            InboxMember,
            (InboxMember.inbox_id == ProactiveMessage.inbox_id)
            & (InboxMember.user_id == ProactiveMessage.sender_id),
        )
        .where(
            ProactiveMessage.inbox_id == inbox_id,
            ProactiveMessage.enabled,
            User.is_active,
            User.role != Role.collaborator,  # `User.is_light_agent`
        )
        .exists()
    )
