"""The loop that deletes uploads never sent: a reply's (files/cleanup.py) and a chat's
(chats/attachments.py), after the same FRONTDESK_UNSENT_UPLOAD_HOURS."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.chats import attachments as chat_attachments
from frontdesk.config import Settings
from frontdesk.db.session import in_batches
from frontdesk.files import service
from frontdesk.files.store import file_store
from frontdesk.kit.clock import utcnow

# Often enough that a day's limit is kept to the minute; rarely enough to cost nothing.
INTERVAL = 60.0
# Uploads deleted a transaction: each is a row and one or two deletes in the store, made while
# the rows are locked (on SQLite, while every request of the process waits for the connection).
BATCH = 100
# Batches a round, of each kind: a backlog (a day of a script's uploads) goes in minutes.
BATCHES = 5


async def delete_unsent_uploads(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    now: datetime | None = None,
) -> int:
    """One round; returns how many uploads were deleted, of replies and of chats."""
    store = file_store(settings)
    moment = now or utcnow()
    older_than = timedelta(hours=settings.unsent_upload_hours)

    async def replies(session: AsyncSession) -> tuple[int, bool]:
        deleted = await service.delete_unsent_uploads(
            session, store=store, now=moment, older_than=older_than, limit=BATCH
        )
        return deleted, deleted == BATCH

    async def chats(session: AsyncSession) -> tuple[int, bool]:
        deleted = await chat_attachments.delete_unsent_uploads(
            session, store=store, now=moment, older_than=older_than, limit=BATCH
        )
        return deleted, deleted == BATCH

    return await in_batches(sessionmaker, replies, batches=BATCHES) + await in_batches(
        sessionmaker, chats, batches=BATCHES
    )
