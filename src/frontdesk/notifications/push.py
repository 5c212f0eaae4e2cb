"""The push outbox: claim due deliveries (SKIP LOCKED, under a lease), encrypt each notification
for its browser, POST it to the push service, and record what happened: sent; the subscription
removed when the service says it is gone (404, 410); retried with back-off on 429, 5xx and
network errors; failed at once on any other refusal."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.notifications import service, webpush
from frontdesk.notifications.models import (
    DeliveryState,
    Notification,
    PushDelivery,
    PushSubscription,
)
from frontdesk.notifications.texts import describe, link_path

logger = logging.getLogger(__name__)

BATCH = 50
LEASE = timedelta(minutes=2)
TIMEOUT = 20.0
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=15)
BACKOFF_CAP = timedelta(hours=1)
# A notification older than this is of no use on a lock screen: the push service drops it.
TTL_SECONDS = 6 * 3600


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_BASE * (1 << min(max(attempts - 1, 0), 16)), BACKOFF_CAP)


def push_payload(notification: Notification) -> bytes:
    """What the service worker receives (and shows): JSON, small enough for one record."""
    title, body = describe(notification)
    data = {
        "id": notification.id,
        "kind": notification.kind.value,
        "title": title[:200],
        "body": body[:400],
        "url": link_path(notification),
        "ticket_id": notification.ticket_id,
        "chat_id": notification.chat_id,
    }
    return json.dumps(data, ensure_ascii=False).encode()


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    claimed_until: datetime
    attempts: int
    endpoint: str
    subscription_id: int
    body: bytes
    headers: dict[str, str]


async def _claim(session: AsyncSession, *, now: datetime, limit: int) -> list[Claimed]:
    rows = (
        await session.scalars(
            select(PushDelivery)
            .where(
                PushDelivery.state.in_([DeliveryState.queued, DeliveryState.sending]),
                PushDelivery.next_attempt_at <= now,
            )
            .order_by(PushDelivery.next_attempt_at, PushDelivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    if not rows:
        return []
    key = await service.vapid(session)
    claimed: list[Claimed] = []
    for row in rows:
        row.state = DeliveryState.sending
        row.next_attempt_at = now + LEASE
        subscription = await session.get(PushSubscription, row.subscription_id)
        notification = await session.get(Notification, row.notification_id)
        if subscription is None or notification is None:
            continue
        claimed.append(
            Claimed(
                delivery_id=row.id,
                claimed_until=row.next_attempt_at,
                attempts=row.attempts,
                endpoint=subscription.endpoint,
                subscription_id=subscription.id,
                # Encrypted at claim time: a retry is a fresh encryption of the same JSON.
                body=webpush.encrypt(
                    push_payload(notification), p256dh=subscription.p256dh, auth=subscription.auth
                ),
                headers=key.headers(subscription.endpoint, ttl=TTL_SECONDS),
            )
        )
    await session.flush()
    return claimed


def _leased(item: Claimed) -> object:
    return (
        (PushDelivery.id == item.delivery_id)
        & (PushDelivery.state == DeliveryState.sending)
        & (PushDelivery.next_attempt_at == item.claimed_until)
    )


async def _record(
    session: AsyncSession, item: Claimed, *, status: int | None, error: str | None, now: datetime
) -> None:
    if status is not None and 200 <= status < 300:
        await session.execute(
            update(PushDelivery)
            .where(_leased(item))  # type: ignore[arg-type]
            .values(state=DeliveryState.sent, sent_at=now, last_error=None)
        )
        return
    if status in (404, 410):
        # The browser unsubscribed or the subscription expired: it will never work again.
        await session.execute(
            delete(PushSubscription).where(PushSubscription.id == item.subscription_id)
        )
        return
    retry = status is None or status == 429 or status >= 500
    attempts = item.attempts + 1
    state = DeliveryState.queued if retry and attempts < MAX_ATTEMPTS else DeliveryState.failed
    await session.execute(
        update(PushDelivery)
        .where(_leased(item))  # type: ignore[arg-type]
        .values(
            state=state,
            attempts=attempts,
            last_error=(error or f"HTTP {status}")[:4000],
            next_attempt_at=now + backoff(attempts),
        )
    )


async def deliver_push(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    now: datetime | None = None,
    limit: int = BATCH,
    client: httpx.AsyncClient | None = None,
) -> int:
    """One round; returns how many deliveries were claimed."""
    claimed_at = now or utcnow()
    async with unit_of_work(sessionmaker) as session:
        items = await _claim(session, now=claimed_at, limit=limit)
    if not items:
        return 0
    owned = client is None
    http = client or httpx.AsyncClient(timeout=TIMEOUT)
    results: list[tuple[Claimed, int | None, str | None]] = []
    try:
        for item in items:
            try:
                response = await http.post(item.endpoint, content=item.body, headers=item.headers)
                results.append((item, response.status_code, response.text[:500] or None))
            except httpx.HTTPError as exc:
                results.append((item, None, f"{type(exc).__name__}: {exc}"))
    finally:
        if owned:
            await http.aclose()
    async with unit_of_work(sessionmaker) as session:
        for item, status, error in results:
            if status is not None and not 200 <= status < 300:
                logger.info("push to %s refused: %s", item.endpoint[:80], status)
            await _record(session, item, status=status, error=error, now=utcnow())
    return len(items)


async def list_deliveries(session: AsyncSession, *, notification_id: int) -> Sequence[PushDelivery]:
    return (
        await session.scalars(
            select(PushDelivery).where(PushDelivery.notification_id == notification_id)
        )
    ).all()
