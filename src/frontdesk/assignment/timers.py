"""The auto-assignment loop: every tick, each inbox with auto-assignment on gets one pass in its
own transaction (a slow inbox holds nobody else's lock; another process skips an inbox in work)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.assignment import service
from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow


async def assign_tickets(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings | None = None
) -> service.Tally:
    total = service.Tally()
    async with sessionmaker() as session:
        inbox_ids = await service.auto_inbox_ids(session)
    for inbox_id in inbox_ids:
        async with unit_of_work(sessionmaker) as session:
            tally = await service.run_inbox(session, inbox_id=inbox_id, now=utcnow())
        total.assigned += tally.assigned
        total.reassigned += tally.reassigned
        total.released += tally.released
    return total
