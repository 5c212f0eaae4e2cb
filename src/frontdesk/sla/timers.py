"""Sends SLA warnings and records breaches whose time has come."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import in_batches
from frontdesk.kit.clock import utcnow
from frontdesk.sla import service

# Tickets a transaction checks: a warning tells the assignee (a notification, its push and
# socket event), ~4 ms on SQLite, where every request of the process waits for the one
# connection meanwhile.
BATCH = 10
# Batches a round: many targets coming due together (a server back from an outage) are worked
# off a hundred a round.
BATCHES = 10


async def check_slas(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    """One round; how many alerts it wrote."""
    return await in_batches(sessionmaker, _batch, batches=BATCHES)


async def _batch(session: AsyncSession) -> tuple[int, bool]:
    checked = await service.check_due(session, now=utcnow(), limit=BATCH)
    return checked.written, checked.claimed == BATCH
