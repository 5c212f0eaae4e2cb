"""Sends SLA warnings and records breaches whose time has come."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.sla import service


async def check_slas(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    async with unit_of_work(sessionmaker) as session:
        return await service.check_due(session, now=utcnow())
