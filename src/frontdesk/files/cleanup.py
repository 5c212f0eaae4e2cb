"""Uploads that no reply took: an agent uploads a file for a reply and then never sends it. After
FRONTDESK_UNSENT_UPLOAD_HOURS its row and its bytes are deleted, by whichever process claims it
first (rows locked with SKIP LOCKED, each delete guarded so that a reply taking the file at the
same moment wins or fails cleanly)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from frontdesk.files.contents import FileStore
from frontdesk.files.models import StoredFile
from frontdesk.pending_replies.models import PendingReplyFile
from frontdesk.side_conversations.models import SideConversationFile


def unsent() -> ColumnElement[bool]:
    """An upload no reply has sent (files/service.py `attach` sets `entry_id`) nor will send: one
    a reply held for Undo send takes (pending_replies/models.py) is kept for its sending. One a
    side conversation's message sent (side_conversations/models.py) is sent too."""
    held = select(PendingReplyFile.file_id).where(PendingReplyFile.file_id == StoredFile.id)
    return StoredFile.entry_id.is_(None) & ~held.exists() & ~sent_aside()


def sent_aside() -> ColumnElement[bool]:
    """The file was sent by a side conversation's message."""
    linked = select(SideConversationFile.id).where(SideConversationFile.file_id == StoredFile.id)
    return linked.exists()


async def delete_unsent_uploads(
    session: AsyncSession, *, store: FileStore, now: datetime, older_than: timedelta, limit: int
) -> int:
    """Deletes up to `limit` uploads unsent since before `now - older_than`; returns how many."""
    return await delete_unsent(
        session,
        model=StoredFile,
        unsent=unsent(),
        store=store,
        now=now,
        older_than=older_than,
        limit=limit,
    )


async def delete_unsent(
    session: AsyncSession,
    *,
    model: Any,
    unsent: ColumnElement[bool],
    store: FileStore,
    now: datetime,
    older_than: timedelta,
    limit: int,
) -> int:
    """Deletes up to `limit` rows of `model` (an upload: `id`, `key`, `thumbnail_key`,
    `created_at`) that are `unsent` since before `now - older_than`, and their bytes; returns
    how many. Used for a reply's uploads and a chat's (chats/attachments.py).

    The rows are locked (SKIP LOCKED: another process takes others), and each is deleted only if
    still unsent: a message or reply taking the file at the same moment wins, or finds it gone
    ("upload it again"). Its bytes are deleted before the transaction commits: if that fails (the
    bucket is down) the row comes back and the next round tries again, so no row ever outlives
    its bytes unnoticed and no bytes are left without a row. An unsent upload's bytes are its
    own: only a sent file is carried into a ticket, sharing its key."""
    rows = (
        await session.scalars(
            select(model)
            .where(unsent, model.created_at < now - older_than)
            .order_by(model.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    deleted = 0
    for stored in rows:
        result = await session.execute(
            delete(model)
            .where(model.id == stored.id, unsent)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            await store.delete(stored.key)
            if stored.thumbnail_key is not None:
                await store.delete(stored.thumbnail_key)
            deleted += 1
    return deleted
