"""Webhook subscriptions and the delivery log: one row per event per subscription, written in
the transaction of the change it tells about (a transactional outbox), sent by the delivery loop."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import (
    IDS_NEVER_REUSED,
    Base,
    JSONType,
    Timestamped,
    enum_column,
    index_where_set,
)
from frontdesk.kit.clock import utcnow


class WebhookSubscription(Timestamped, Base):
    __tablename__ = "webhook_subscriptions"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(2000))
    # Event types (webhooks/events.py) this subscription receives.
    events: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Internal notes go out as `message.created` only to subscriptions that ask for them.
    include_internal: Mapped[bool] = mapped_column(default=False)
    # Every inbox's events (true), or only those of the inboxes in `webhook_subscription_inboxes`
    # (false): a flag of its own, so that a scope whose inboxes were all deleted (their rows gone
    # by the cascade) receives nothing rather than everything (docs/webhooks.md, "Inboxes").
    all_inboxes: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Kept as is: every delivery is signed with it (HMAC), so it cannot be a one-way hash.
    secret: Mapped[str] = mapped_column(String(100))
    # The secret a rotation replaced: deliveries are signed with it too (a second `v1=`) until
    # `previous_secret_until`, so that the receiver can switch when it is ready.
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_until: Mapped[datetime | None]
    enabled: Mapped[bool] = mapped_column(default=True)
    # Failed attempts since the last success, and when the first of them was: what switching off
    # looks at (webhooks/service.py `_count`).
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    failing_since: Mapped[datetime | None]
    # Set when frontdesk switched it off (not an admin): its events are still recorded, held
    # until it is switched on again, and this says until when at most (webhooks/service.py HOLD).
    holding_until: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def signing_secrets(self, now: datetime) -> list[str]:
        """The secrets a request sent at `now` is signed with: the current one first, then the
        one it replaced while the rotation's overlap lasts."""
        if self.previous_secret and self.previous_secret_until and now < self.previous_secret_until:
            return [self.secret, self.previous_secret]
        return [self.secret]

    @property
    def previous_secret_expires_at(self) -> datetime | None:
        """Until when the replaced secret still signs (null when none does)."""
        if (
            self.previous_secret
            and self.previous_secret_until
            and utcnow() < self.previous_secret_until
        ):
            return self.previous_secret_until
        return None


class WebhookSubscriptionInbox(Base):
    """An inbox a subscription that is not for all inboxes receives the events of."""

    __tablename__ = "webhook_subscription_inboxes"

    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    inbox_id: Mapped[int] = mapped_column(
        ForeignKey("inboxes.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class DeliveryState(enum.StrEnum):
    pending = "pending"
    delivering = "delivering"
    delivered = "delivered"
    failed = "failed"


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_state_next_attempt", "state", "next_attempt_at"),
        Index("ix_webhook_deliveries_subscription_id_id", "subscription_id", "id"),
        index_where_set("ix_webhook_deliveries_ticket_id", "ticket_id"),
        index_where_set("ix_webhook_deliveries_chat_id", "chat_id"),
        index_where_set("ix_webhook_deliveries_customer_id", "customer_id"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Sent as `Frontdesk-Event-Id` and as the payload's `id`: the same on every retry and replay,
    # so a receiver can drop what it has already handled.
    event_id: Mapped[str] = mapped_column(String(40), unique=True)
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # The ticket or chat the event is about. Its payload holds the customer's name, address and
    # words: deleting the conversation (an erasure, retention) deletes its deliveries too.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    chat_id: Mapped[int | None] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    # The customer a customer event is about, for the same reason: its payload holds their name,
    # addresses and notes. A `customer.deleted` (ids only) names none, and outlives them.
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    state: Mapped[DeliveryState] = mapped_column(
        enum_column(DeliveryState), default=DeliveryState.pending
    )
    attempts: Mapped[int] = mapped_column(default=0)
    # While `delivering`, the end of the sender's lease (as the mail outbox does).
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
