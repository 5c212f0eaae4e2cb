"""The rating-request loop: one transaction per round, so a crash writes nothing half."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.ratings import service


async def send_rating_requests(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> int:
    async with unit_of_work(sessionmaker) as session:
        return await service.send_due_requests(session, now=utcnow())
