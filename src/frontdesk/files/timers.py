"""The loop that deletes uploads no reply took (files/cleanup.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.files import service
from frontdesk.files.store import file_store
from frontdesk.kit.clock import utcnow

# Often enough that a day's limit is kept to the minute; rarely enough to cost nothing.
INTERVAL = 60.0
BATCH = 100


async def delete_unsent_uploads(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    now: datetime | None = None,
) -> int:
    """One round; returns how many uploads were deleted."""
    async with unit_of_work(sessionmaker) as session:
        return await service.delete_unsent_uploads(
            session,
            store=file_store(settings),
            now=now or utcnow(),
            older_than=timedelta(hours=settings.unsent_upload_hours),
            limit=BATCH,
        )
