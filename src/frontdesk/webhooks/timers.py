"""The delivery loop: claim due deliveries, POST them, record each outcome."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import in_batches, unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.webhooks import guard, sender, service
from frontdesk.webhooks.models import DeliveryState

logger = logging.getLogger(__name__)

BATCH = 50
# Receivers sent to at once per loop: one slow receiver must not hold up the others' events.
CONCURRENCY = 10
# Longer than a whole round can take (one receiver's deliveries are sent one after the other,
# each within TOTAL_TIMEOUT), so a lease runs out only when its loop died.
LEASE = timedelta(seconds=BATCH * sender.TOTAL_TIMEOUT + 60)


async def deliver_webhooks(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    now: datetime | None = None,
    limit: int = BATCH,
) -> int:
    """One round: how many deliveries were claimed (0 when nothing was due)."""
    claimed_at = now or utcnow()
    # The claim commits before any request: locks are held for milliseconds.
    async with unit_of_work(sessionmaker) as session:
        claimed = await service.claim(session, now=claimed_at, limit=limit, lease=LEASE)
    if not claimed:
        return 0
    # One receiver gets its events one after the other, in the order they happened (while none
    # fails: a retry comes later); different receivers are sent to at the same time.
    queues: dict[int, list[int]] = {}
    for at, (delivery, _) in enumerate(claimed):
        queues.setdefault(delivery.subscription_id, []).append(at)
    attempts: list[sender.Attempt | None] = [None] * len(claimed)
    gate = asyncio.Semaphore(CONCURRENCY)
    transport = guard.transport(allow_private=settings.webhooks_allow_private)
    async with sender.client(transport) as client:

        async def send_queue(indexes: list[int]) -> None:
            async with gate:
                for at in indexes:
                    delivery, subscription = claimed[at]
                    attempts[at] = await sender.post(
                        client,
                        url=subscription.url,
                        secrets=subscription.signing_secrets(claimed_at),
                        payload=delivery.payload,
                    )

        await asyncio.gather(*(send_queue(indexes) for indexes in queues.values()))
    finished_at = now or utcnow()
    async with unit_of_work(sessionmaker) as session:
        for (delivery, subscription), attempt in zip(claimed, attempts, strict=True):
            if attempt is None:  # not sent (cannot happen: every queue runs to its end)
                continue
            state = await service.record_attempt(
                session,
                delivery=delivery,
                claimed_until=delivery.next_attempt_at,
                ok=attempt.ok,
                status=attempt.status,
                error=attempt.error,
                excerpt=attempt.excerpt,
                duration_ms=attempt.duration_ms,
                now=finished_at,
                disable_after=settings.webhooks_disable_after,
                disable_after_span=timedelta(hours=settings.webhooks_disable_after_hours),
            )
            if state is None:
                logger.warning("webhook delivery %s: lease lost while sending", delivery.event_id)
            elif state is not DeliveryState.delivered:
                logger.warning(
                    "webhook %s to %s: %s", delivery.event_id, subscription.url, attempt.error
                )
    return len(claimed)


# Once an hour is plenty for a log kept a month, and for holds of days. A round deletes
# PRUNE_BATCH rows a transaction, at most PRUNE_BATCHES of them: a backlog is worked off over
# rounds, never holding SQLite's one connection for long.
PRUNE_INTERVAL = 3600.0
PRUNE_BATCH = 500
PRUNE_BATCHES = 20


async def prune_deliveries(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    now: datetime | None = None,
) -> int:
    """The delivery log's old entries (service.KEEP_DONE): how many were deleted. Also ends the
    holds of webhooks switched off long enough or holding enough (service.HOLD)."""
    at = now or utcnow()
    async with unit_of_work(sessionmaker) as session:
        await service.end_holds(session, now=at)

    async def batch(session: AsyncSession) -> tuple[int, bool]:
        deleted = await service.prune_done(session, now=at, limit=PRUNE_BATCH)
        return deleted, deleted == PRUNE_BATCH

    return await in_batches(sessionmaker, batch, batches=PRUNE_BATCHES)
