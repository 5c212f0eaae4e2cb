"""Notifications: one row per person told, their choices of where, their browsers' push
subscriptions with the deliveries queued for them, the desk's VAPID key, and who follows a
ticket."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base, JSONType, enum_column
from frontdesk.kit.clock import utcnow


class NotificationKind(enum.StrEnum):
    assigned = "assigned"
    customer_replied = "customer_replied"
    mentioned = "mentioned"
    chat_invited = "chat_invited"
    chat_waiting = "chat_waiting"
    # A ticket's SLA target is about to breach (sla/service.py `check_due`).
    sla_breaching = "sla_breaching"
    # A reply held by Undo send was refused at its due time (pending_replies/service.py
    # `record_failure`): its author is told why.
    reply_not_sent = "reply_not_sent"


class Channel(enum.StrEnum):
    in_app = "in_app"
    push = "push"
    email = "email"


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id_id", "user_id", "id"),
        # The bell's unread ones, counted with every notification and every bell read: only
        # these rows, not everything the person was ever told (push-only rows, which the bell
        # never shows, stay unread until all are marked read).
        Index(
            "ix_notifications_unread",
            "user_id",
            "id",
            sqlite_where=text("read_at IS NULL AND in_app = 1"),
            postgresql_where=text("read_at IS NULL AND in_app"),
        ),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind, length=20))
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int | None] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # What the words need: subject, number, names, an excerpt. Kept as written at the time.
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # False when the person turned the bell off for this kind but wanted push or email.
    in_app: Mapped[bool] = mapped_column(default=True)
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationPreference(Base):
    """A choice that differs from the default (notifications/preferences.py holds the defaults)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    enabled: Mapped[bool]


class PushSubscription(Base):
    """One browser's Web Push subscription (RFC 8030): where to POST, and the keys to encrypt
    for it (RFC 8291)."""

    __tablename__ = "push_subscriptions"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(2000), unique=True)
    # The browser's P-256 public key and auth secret, base64url as the browser gives them.
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeliveryState(enum.StrEnum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"


class PushDelivery(Base):
    """The push outbox: one notification for one subscription, sent with retries."""

    __tablename__ = "push_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "notification_id"),
        Index("ix_push_deliveries_state_next_attempt", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="CASCADE")
    )
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[DeliveryState] = mapped_column(
        enum_column(DeliveryState), default=DeliveryState.queued
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class VapidKey(Base):
    """The desk's one VAPID key pair (RFC 8292), made on first use; id is always 1 so that two
    processes making one at once keep the same."""

    __tablename__ = "vapid_keys"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    private_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketFollower(Base):
    __tablename__ = "ticket_followers"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
