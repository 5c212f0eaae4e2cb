"""Wakes snoozed tickets whose time has come."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.tickets import service


async def wake_snoozed_tickets(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with unit_of_work(sessionmaker) as session:
        return await service.wake_snoozed(session, now=utcnow())
