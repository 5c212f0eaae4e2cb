"""What crosses HTTP for webhooks: subscriptions (the secret only when made or asked for) and
the delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from frontdesk.kit.schemas import FROM_STRING, MAX_ID, ReadModel, WriteModel
from frontdesk.webhooks.events import WebhookEvent
from frontdesk.webhooks.models import DeliveryState

Name = Annotated[str, Field(min_length=1, max_length=100)]
Url = Annotated[str, Field(min_length=1, max_length=2000)]
Events = Annotated[list[Annotated[WebhookEvent, FROM_STRING]], Field(min_length=1, max_length=30)]
InboxIds = Annotated[
    list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None,
    Field(
        max_length=500,
        description='The inboxes whose events it receives (docs/webhooks.md, "Inboxes"): null '
        "for all inboxes, now and to come; a list for these inboxes only (at least one). "
        "Organisation events go only to webhooks for all inboxes.",
    ),
]


class SubscriptionCreate(WriteModel):
    name: Name
    url: Url
    events: Events
    include_internal: bool = Field(
        default=False, description="Also send internal notes as `message.created`."
    )
    inbox_ids: InboxIds = None
    enabled: bool = True


class SubscriptionUpdate(WriteModel):
    name: Name | None = None
    url: Url | None = None
    events: Events | None = None
    include_internal: bool | None = None
    inbox_ids: InboxIds = Field(
        default=None,
        description="Null for all inboxes, a list for these only; leave the field out to keep "
        "the inboxes as they are.",
    )
    enabled: bool | None = Field(
        default=None, description="Switching it back on starts the failure count anew."
    )


class SubscriptionRead(ReadModel):
    id: int
    name: str
    url: str
    events: list[WebhookEvent]
    include_internal: bool
    inbox_ids: list[int] | None = Field(
        description="Null: every inbox's events. A list: only these inboxes' (empty when every "
        "inbox it had was deleted since: it receives no inbox's events then, not all of them)."
    )
    enabled: bool
    consecutive_failures: int
    failing_since: datetime | None = Field(
        description="The first failed attempt since the last success; null while it succeeds."
    )
    disabled_at: datetime | None
    disabled_reason: str | None
    holding_until: datetime | None = Field(
        description="Switched off by frontdesk: its events are kept until then (at most), "
        "and delivered in order when it is switched on. Null otherwise."
    )
    previous_secret_expires_at: datetime | None = Field(
        description="After a rotation, until when the secret it replaced still signs every "
        "delivery beside the new one (a second `v1=`); null when none does."
    )
    created_at: datetime
    updated_at: datetime


class SubscriptionCreated(SubscriptionRead):
    secret: str = Field(description="Signs every delivery; also readable later by admins.")


class SecretRead(ReadModel):
    secret: str
    previous_secret_expires_at: datetime | None = Field(
        default=None,
        description="Until when the secret this one replaced still signs beside it; null "
        "when none does.",
    )


class SecretRotate(WriteModel):
    overlap_hours: int = Field(
        default=24,
        ge=0,
        le=168,
        description="How long the old secret goes on signing every delivery beside the new "
        "one, so that the receiver can switch when ready; 0 stops it at once (a secret that "
        "leaked).",
    )


class DeliveryRead(ReadModel):
    id: int
    event_id: str
    event_type: str
    subscription_id: int
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime | None = Field(
        description="When it is tried next: null once delivered or failed."
    )
    last_status: int | None
    last_error: str | None
    response_excerpt: str | None
    duration_ms: int | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveryDetail(DeliveryRead):
    payload: dict[str, Any]
