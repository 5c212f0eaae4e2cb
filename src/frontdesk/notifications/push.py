"""The push outbox: claim due deliveries (SKIP LOCKED, under a lease), encrypt each notification
for its browser, POST it to the push service, and record what happened: sent; the subscription
removed when the service says it is gone (404, 410); retried with back-off on 429, 5xx and
network errors; failed at once on any other refusal. A delivery whose recipient was deactivated
or may no longer see the ticket or chat is dropped when claimed, unsent. Endpoints on this
machine or a private network are refused at connection time (webhooks/guard.py)."""

from __future__ import annotations

import asyncio
import json
import logging
import math
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
from frontdesk.webhooks import guard

logger = logging.getLogger(__name__)

BATCH = 50
# Pushes of a round sent at once: a stale browser that never answers holds up one slot for
# TIMEOUT, not every push behind it.
CONCURRENCY = 10
# The longest one push may take, connection and answer together.
TIMEOUT = 20.0
# Added to the longest a round can take (`lease`): the lease runs out only when its loop died.
LEASE_MARGIN = timedelta(seconds=60)
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=15)
BACKOFF_CAP = timedelta(hours=1)
# A notification older than this is of no use on a lock screen: the push service drops it.
TTL_SECONDS = 6 * 3600


def lease(count: int) -> timedelta:
    """Longer than a round of `count` pushes can take (CONCURRENCY at a time, each cut off after
    TIMEOUT): another process takes a push over only when the one that claimed it is gone, never
    while it is still sending."""
    rounds = math.ceil(max(count, 1) / CONCURRENCY)
    return timedelta(seconds=rounds * TIMEOUT) + LEASE_MARGIN


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
    """Due deliveries, leased; those no longer to be sent (`service.still_told`) deleted."""
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
    told = await service.still_told(session, notification_ids={row.notification_id for row in rows})
    dropped = [row.id for row in rows if row.notification_id not in told]
    if dropped:
        await session.execute(delete(PushDelivery).where(PushDelivery.id.in_(dropped)))
        logger.info("%d pushes dropped: their readers may no longer see them", len(dropped))
    rows = [row for row in rows if row.notification_id in told]
    if not rows:
        return []
    key = await service.vapid(session)
    claimed: list[Claimed] = []
    leased_until = now + lease(limit)
    for row in rows:
        row.state = DeliveryState.sending
        row.next_attempt_at = leased_until
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
    http = client or _client(allow_private=settings.push_allow_private)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def send(item: Claimed) -> tuple[Claimed, int | None, str | None]:
        async with gate:
            try:
                # One limit for the whole request: httpx's timeouts are per read, and a service
                # that trickles its answer would hold the round past its lease.
                async with asyncio.timeout(TIMEOUT):
                    response = await http.post(
                        item.endpoint, content=item.body, headers=item.headers
                    )
            except TimeoutError:
                return item, None, f"no answer within {TIMEOUT:g} s"
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                return item, None, f"{type(exc).__name__}: {exc}"
            return item, response.status_code, response.text[:500] or None

    try:
        results = await asyncio.gather(*(send(item) for item in items))
    finally:
        if owned:
            await http.aclose()
    async with unit_of_work(sessionmaker) as session:
        for item, status, error in results:
            if status is not None and not 200 <= status < 300:
                logger.info("push to %s refused: %s", item.endpoint[:80], status)
            await _record(session, item, status=status, error=error, now=utcnow())
    return len(items)


def _client(*, allow_private: bool) -> httpx.AsyncClient:
    """Connects only to public addresses (checked on what the name resolves to at each
    connection), ignores proxies from the environment (a proxy would connect past the check),
    follows no redirect."""
    return httpx.AsyncClient(
        transport=guard.transport(allow_private=allow_private, setting=service.PUSH_SETTING),
        trust_env=False,
        follow_redirects=False,
        timeout=TIMEOUT,
    )


async def list_deliveries(session: AsyncSession, *, notification_id: int) -> Sequence[PushDelivery]:
    return (
        await session.scalars(
            select(PushDelivery).where(PushDelivery.notification_id == notification_id)
        )
    ).all()
