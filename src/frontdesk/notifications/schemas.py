from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from frontdesk.kit.schemas import Id, ReadModel, WriteModel

KindName = Literal[
    "assigned",
    "customer_replied",
    "mentioned",
    "chat_invited",
    "chat_waiting",
    "sla_breaching",
    "reply_not_sent",
]
ChannelName = Literal["in_app", "push", "email"]


class ActorRead(ReadModel):
    id: int
    name: str


class NotificationParamsRead(ReadModel):
    actor_name: str | None = None
    number: int | None = None
    subject: str | None = None
    visitor_name: str | None = None
    excerpt: str | None = None
    invitation: Literal["invite", "transfer"] | None = None
    entry_id: int | None = Field(
        default=None, description="A mention's note: the ticket's page opens at it."
    )
    breached: bool | None = Field(
        default=None,
        description="`sla_breaching`: the target breached already, with no warning before it.",
    )
    unassigned: bool | None = Field(
        default=None,
        description="`assigned`: the reverse. The ticket moved to an inbox you are not a member "
        "of, so it is no longer assigned to you; the notification names its `number` only (no "
        "subject, and no `ticket_id`: you can no longer open it).",
    )
    reason: str | None = Field(
        default=None,
        description="`reply_not_sent`: why your reply held by Undo send was refused at its due "
        "time, in English (the error's `message`, as the pending reply's `error` says it). "
        "Written for API clients: the desk, push and email word it from `reason_code`.",
    )
    reason_code: str | None = Field(
        default=None,
        description="`reply_not_sent`: the refusal's code (`ticket_not_visible`, `stale_thread`, "
        "`internal_error`, or any code an immediate reply can be refused with).",
    )
    side_conversation_id: int | None = Field(
        default=None,
        description="`customer_replied`: the reply came in this side conversation of the "
        "ticket, from someone other than the customer.",
    )
    pending_reply_id: int | None = Field(
        default=None,
        description="`reply_not_sent`: the failed pending reply (`GET /me/pending-replies`). "
        "Taking it back (`DELETE /tickets/{id}/pending-replies/{pending_id}`) marks this "
        "notification read.",
    )


class NotificationRead(ReadModel):
    id: int
    kind: KindName
    ticket_id: int | None
    chat_id: int | None
    actor: ActorRead | None
    params: NotificationParamsRead
    read: bool
    created_at: datetime


class NotificationPage(ReadModel):
    items: list[NotificationRead]
    unread: int = Field(description="How many of your notifications are unread, in all.")
    next_before: int | None = Field(
        description="Pass as `before` for the next (older) page; null on the last page."
    )


class MarkRead(WriteModel):
    ids: Annotated[list[Id], Field(max_length=500)] | None = Field(
        default=None, description="The notifications to mark read; null marks all of them."
    )


class UnreadCount(ReadModel):
    unread: int


class NotificationPreferencesUpdate(WriteModel):
    """For each kind, each channel on or off. Kinds and channels left out keep their default."""

    preferences: dict[KindName, dict[ChannelName, bool]]


class NotificationPreferencesRead(ReadModel):
    preferences: dict[KindName, dict[ChannelName, bool]]
    defaults: dict[KindName, list[ChannelName]]


class PushKeys(WriteModel):
    p256dh: Annotated[str, Field(min_length=1, max_length=200)]
    auth: Annotated[str, Field(min_length=1, max_length=100)]


class PushSubscriptionCreate(WriteModel):
    """What the browser's `PushSubscription.toJSON()` gives (`expirationTime` is ignored)."""

    endpoint: Annotated[str, Field(min_length=1, max_length=2000)]
    keys: PushKeys
    expirationTime: float | None = None


class PushSubscriptionRead(ReadModel):
    id: int
    endpoint: str
    user_agent: str | None
    created_at: datetime


class PushKey(ReadModel):
    public_key: str = Field(description="The VAPID key: `applicationServerKey` for subscribe().")


class FollowersRead(ReadModel):
    followers: list[ActorRead]
    following: bool


class MentionableRead(ReadModel):
    id: int
    name: str
    handle: str = Field(description="What to write after @ to mention them.")
