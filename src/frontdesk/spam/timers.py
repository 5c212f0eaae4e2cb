"""Emptying the Spam folder: tickets marked spam more than FRONTDESK_SPAM_RETENTION_DAYS ago are
deleted as retention deletes old closed tickets (privacy/retention.py `delete_spam`: thread,
mail, files, a customer left with nothing), in short batches. Several processes share the work:
each batch claims its tickets with SKIP LOCKED on PostgreSQL; SQLite runs them one after the
other."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.files.store import file_store
from frontdesk.kit.clock import utcnow
from frontdesk.privacy import retention
from frontdesk.privacy.files import delete_queued_files

# Days are the unit: every ten minutes is plenty, and costs one index probe when nothing is due.
INTERVAL = 600.0
# Tickets per transaction, and transactions per pass (a backlog is worked off over passes).
BATCH = 50
BATCHES = 20


async def empty_spam(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    now: datetime | None = None,
) -> int:
    """One pass; returns how many spam tickets were deleted."""
    if settings.spam_retention_days == 0:
        return 0
    marked_before = (now or utcnow()) - timedelta(days=settings.spam_retention_days)
    store = file_store(settings)
    deleted = 0
    for _ in range(BATCHES):
        async with unit_of_work(sessionmaker) as session:
            batch = await retention.delete_spam(session, marked_before=marked_before, limit=BATCH)
        deleted += batch
        # The bytes of the deleted tickets' files, once their rows are gone (as retention does).
        while await delete_queued_files(sessionmaker, store):
            pass
        if batch < BATCH:
            break
    return deleted
