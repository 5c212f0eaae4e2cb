"""Sends the pending replies whose due time has come (pending_replies/service.py), and sweeps
the rows of those sent, undone or failed long ago. Every process runs it; each reply is claimed
by one."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.pending_replies import due, service

logger = logging.getLogger(__name__)

# Undo send's delays are seconds long: a reply goes out within a second of its due time.
INTERVAL = 1.0
# Replies sent a round, each in a transaction of its own as a reply request is: one refused
# rolls back nothing of the others.
PER_ROUND = 50
SWEEP_BATCH = 200
# Old rows are swept once a minute per process, not every second: a transaction each second
# would make every request of a SQLite process wait for nothing.
SWEEP_EVERY = timedelta(minutes=1)


async def send_due_replies(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """One round; how many pending replies it sent, found refused or handed over to the
    original of an undone split (then sent in the same round, counted again). With nothing due
    that this app knows of, and its last look recent, it opens no transaction
    (pending_replies/due.py: what it knows is the sessionmaker's, so never another app's or
    another database's).
    `settings` goes unused: every timed round is given it (app.py `timed_rounds`)."""
    moment = now or utcnow()
    known = due.of(sessionmaker)
    done = 0
    try:
        if known.idle(now=moment):
            return 0
        for _ in range(PER_ROUND):
            try:
                async with unit_of_work(sessionmaker) as session:
                    pending_id = await service.send_next(session, now=moment)
                    if pending_id is None:
                        await known.look(service.next_due(session), at=moment)
            except service.NotSent as refused:
                await _record(sessionmaker, refused)
                done += 1
                continue
            if pending_id is None:
                break
            done += 1
    finally:
        if known.sweep_now(now=moment, every=SWEEP_EVERY):
            await _sweep(sessionmaker, moment)
    return done


async def _record(sessionmaker: async_sessionmaker[AsyncSession], refused: service.NotSent) -> None:
    """Why it was not sent, in a transaction of its own (the sending's was rolled back)."""
    async with unit_of_work(sessionmaker) as session:
        await service.record_failure(session, pending_id=refused.pending_id, error=refused.error)
    if refused.error.code == service.INTERNAL_ERROR:
        logger.error(
            "pending reply %s not sent: unexpected error",
            refused.pending_id,
            exc_info=refused.__cause__,
        )
    else:
        logger.info("pending reply %s not sent: %s", refused.pending_id, refused.error.code)


async def _sweep(sessionmaker: async_sessionmaker[AsyncSession], moment: datetime) -> None:
    async with unit_of_work(sessionmaker) as session:
        await service.sweep(session, now=moment, limit=SWEEP_BATCH)
