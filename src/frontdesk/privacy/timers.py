"""The retention pass (privacy/retention.py): each inbox's old closed tickets, then mail that
reached no ticket, the help center's search counts past their days (knowledge/searches.py), and
the bytes of erased files left behind by a
process that stopped before deleting them (privacy/files.py). And the erasures a process
stopped in the middle of, finished (privacy/erasing.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.files.store import file_store
from frontdesk.kit.clock import utcnow
from frontdesk.knowledge import searches
from frontdesk.privacy import retention
from frontdesk.privacy import service as privacy_service
from frontdesk.privacy.files import delete_queued_files

# Days are the unit: once every ten minutes is plenty, and costs one query when nothing is due.
INTERVAL = 600.0
# Tickets per transaction: each batch is short, so nobody waits long behind it.
BATCH = 50
# Refused mails per transaction: a row, its raw bytes, nothing hanging on it.
MAIL_BATCH = 200
# Batches per inbox per pass: a backlog (retention just turned on) is worked off over passes.
BATCHES = 20
# An erasure no process has done a piece of for this long was left by a process that stopped:
# this one finishes it. Longer than any piece, so that a running one is not taken over.
STOPPED = timedelta(minutes=1)


async def finish_erasures(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> int:
    """The erasures left running by a process that stopped, each worked to its end; how many."""
    return await privacy_service.finish_stopped(sessionmaker, idle=STOPPED)


async def apply_retention(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    now: datetime | None = None,
) -> int:
    """One pass; returns how many tickets were deleted."""
    now = now or utcnow()
    store = file_store(settings)
    while await delete_queued_files(sessionmaker, store):
        pass
    async with unit_of_work(sessionmaker) as session:
        inboxes = await retention.inboxes_with_retention(session)
    deleted = 0
    for inbox_id, days in inboxes:
        for _ in range(BATCHES):
            async with unit_of_work(sessionmaker) as session:
                batch = await retention.delete_expired(
                    session,
                    inbox_id=inbox_id,
                    closed_before=now - timedelta(days=days),
                    limit=BATCH,
                )
            deleted += batch
            while await delete_queued_files(sessionmaker, store):
                pass
            if batch < BATCH:
                break
    refused_before = now - timedelta(days=settings.refused_mail_days)
    for _ in range(BATCHES):
        async with unit_of_work(sessionmaker) as session:
            batch = await retention.delete_refused_mail(
                session, received_before=refused_before, limit=MAIL_BATCH
            )
        if batch < MAIL_BATCH:
            break
    async with unit_of_work(sessionmaker) as session:
        await searches.forget_old(
            session, before=now.date() - timedelta(days=searches.KEEP_DAYS - 1)
        )
    return deleted
