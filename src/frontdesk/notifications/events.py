"""Notification events: heard only by the person told, on their own topic."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.notifications.models import Notification
from frontdesk.realtime.catalogue import (
    NotificationCreated,
    NotificationEvent,
    NotificationParams,
    NotificationPayload,
    NotificationsRead,
    UserRef,
)
from frontdesk.realtime.envelope import agent_topic, iso
from frontdesk.realtime.publisher import record
from frontdesk.users.models import User


def payload(notification: Notification, *, actor: User | None) -> NotificationPayload:
    return NotificationPayload(
        id=notification.id,
        kind=notification.kind.value,
        ticket_id=notification.ticket_id,
        chat_id=notification.chat_id,
        actor=UserRef(id=actor.id, name=actor.name) if actor is not None else None,
        params=NotificationParams(**notification.params),  # type: ignore[typeddict-item]
        read=notification.read_at is not None,
        created_at=iso(notification.created_at),
    )


def record_created(
    session: AsyncSession, notification: Notification, *, actor: User | None, unread: int
) -> None:
    record(
        session,
        type=NotificationEvent.created,
        topics=[agent_topic(notification.user_id)],
        data=NotificationCreated(notification=payload(notification, actor=actor), unread=unread),
    )


def record_read(session: AsyncSession, *, user_id: int, ids: list[int], unread: int) -> None:
    record(
        session,
        type=NotificationEvent.read,
        topics=[agent_topic(user_id)],
        data=NotificationsRead(ids=ids, unread=unread),
    )
