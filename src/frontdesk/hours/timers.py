"""Refreshes the SLA due times of inboxes whose hours changed, a batch a transaction
(hours/sla_refresh.py)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import in_batches
from frontdesk.hours import sla_refresh

# Batches a round (sla_refresh.BATCH tickets each, ~0.1 s on SQLite): 10,000 open tickets are
# done in ten rounds, and no request waits behind more than one batch.
BATCHES = 20


async def refresh_slas(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    """One round; how many tickets it refreshed."""
    return await in_batches(sessionmaker, sla_refresh.refresh_pending, batches=BATCHES)
