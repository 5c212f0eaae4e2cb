"""Deleting the bytes of files whose rows are gone. Runs after the commit that deleted the rows
(and queued their keys in `file_deletions`): a chat's file and the ticket's copy of it share one
key, so bytes go only when no row of either table names the key any more. If the process dies
before this, the queued keys stay, and the next retention pass (privacy/timers.py) deletes them."""

from __future__ import annotations

import logging

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.chats.models import ChatFile
from frontdesk.db.session import unit_of_work
from frontdesk.files.contents import FileStore
from frontdesk.files.models import StoredFile
from frontdesk.privacy.models import FileDeletion

logger = logging.getLogger(__name__)
BATCH = 200


async def _in_use(session: AsyncSession, key: str) -> bool:
    stored = await session.scalar(
        select(StoredFile.id)
        .where(or_(StoredFile.key == key, StoredFile.thumbnail_key == key))
        .limit(1)
    )
    if stored is not None:
        return True
    chat = await session.scalar(
        select(ChatFile.id).where(or_(ChatFile.key == key, ChatFile.thumbnail_key == key)).limit(1)
    )
    return chat is not None


async def delete_queued_files(
    sessionmaker: async_sessionmaker[AsyncSession], store: FileStore, *, limit: int = BATCH
) -> int:
    """Deletes up to `limit` queued keys' bytes; returns how many keys were handled. A store that
    fails (a bucket down) leaves the key queued for the next pass."""
    handled = 0
    async with unit_of_work(sessionmaker) as session:
        queued = (
            await session.execute(
                select(FileDeletion.id, FileDeletion.key).order_by(FileDeletion.id).limit(limit)
            )
        ).all()
        for row_id, key in queued:
            if not await _in_use(session, key):
                try:
                    await store.delete(key)
                except Exception:
                    logger.warning("could not delete stored file %s; kept for later", key)
                    continue
            await session.execute(delete(FileDeletion).where(FileDeletion.id == row_id))
            handled += 1
    return handled
