"""Wakes snoozed tickets whose time has come."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import in_batches
from frontdesk.kit.clock import utcnow
from frontdesk.tickets import service

# Snoozes woken a transaction: each writes a timeline line and runs the rules on it, ~1.4 ms on
# SQLite, where every request of the process waits for the one connection meanwhile.
BATCH = 20
# Batches a round: snoozes that end together ("until Monday morning") wake a hundred a round.
BATCHES = 5


async def wake_snoozed_tickets(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings | None = None
) -> int:
    """One round; how many tickets it woke."""
    return await in_batches(sessionmaker, _batch, batches=BATCHES)


async def _batch(session: AsyncSession) -> tuple[int, bool]:
    woken = await service.wake_snoozed(session, now=utcnow(), limit=BATCH)
    return woken, woken == BATCH
