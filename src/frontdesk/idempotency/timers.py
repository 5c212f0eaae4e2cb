"""The sweep of idempotency keys past their day (service.KEEP)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import in_batches
from frontdesk.idempotency import service
from frontdesk.kit.clock import utcnow

INTERVAL = 600.0
BATCH = 500
BATCHES = 20


async def sweep_keys(
    sessionmaker: async_sessionmaker[AsyncSession],
    _settings: Settings,
    *,
    now: datetime | None = None,
) -> int:
    """One round: how many keys were forgotten."""
    at = now or utcnow()

    async def batch(session: AsyncSession) -> tuple[int, bool]:
        deleted = await service.forget_old(session, now=at, limit=BATCH)
        return deleted, deleted == BATCH

    return await in_batches(sessionmaker, batch, batches=BATCHES)
