"""The out-of-office loop: absences start (the agent goes unavailable for chat) and end at their
time, once across processes (users/out_of_office.py `start_and_end_due`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.users import out_of_office


async def start_and_end_absences(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> int:
    async with unit_of_work(sessionmaker) as session:
        return await out_of_office.start_and_end_due(session, now=utcnow())
