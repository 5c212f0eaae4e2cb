"""How a pending reply is read: its row and the uploads it holds; a scheduled one as colleagues
see it, with its author's name."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.files.schemas import StoredFileRead
from frontdesk.pending_replies import service
from frontdesk.pending_replies.models import PendingReply
from frontdesk.pending_replies.schemas import (
    PendingError,
    PendingReplyRead,
    ScheduledReplyAuthor,
    ScheduledReplyRead,
)
from frontdesk.users.models import User


async def pending_reads(
    session: AsyncSession, pending: Sequence[PendingReply]
) -> list[PendingReplyRead]:
    files = await service.attachments_of(session, pending=pending)
    return [
        PendingReplyRead(
            id=reply.id,
            ticket_id=reply.ticket_id,
            state=reply.state.value,
            created_at=reply.created_at,
            due_at=reply.due_at,
            delay_seconds=round((reply.due_at - reply.created_at).total_seconds()),
            text=reply.text,
            then=reply.then,  # type: ignore[arg-type]
            snooze_until=reply.snooze_until,
            cc=list(reply.cc),
            bcc=list(reply.bcc),
            signature=reply.signature,
            attachments=[
                StoredFileRead.model_validate(files[file_id])
                for file_id in reply.attachment_ids
                if file_id in files
            ],
            attachments_gone=sum(1 for file_id in reply.attachment_ids if file_id not in files),
            entry_id=reply.entry_id,
            error=(
                PendingError(code=reply.error_code, message=reply.error_message or "")
                if reply.error_code
                else None
            ),
            scheduled=reply.scheduled,
        )
        for reply in pending
    ]


async def scheduled_reads(
    session: AsyncSession, scheduled: Sequence[PendingReply]
) -> list[ScheduledReplyRead]:
    files = await service.attachments_of(session, pending=scheduled)
    ids = {reply.author_id for reply in scheduled}
    names: dict[int, str] = {}
    if ids:
        rows = await session.execute(select(User.id, User.name).where(User.id.in_(ids)))
        names = {int(user_id): str(name) for user_id, name in rows}
    return [
        ScheduledReplyRead(
            id=reply.id,
            ticket_id=reply.ticket_id,
            author=ScheduledReplyAuthor(id=reply.author_id, name=names.get(reply.author_id, "")),
            created_at=reply.created_at,
            due_at=reply.due_at,
            text=reply.text,
            then=reply.then,  # type: ignore[arg-type]
            cc=list(reply.cc),
            bcc=list(reply.bcc),
            attachments=[
                StoredFileRead.model_validate(files[file_id])
                for file_id in reply.attachment_ids
                if file_id in files
            ],
        )
        for reply in scheduled
    ]
