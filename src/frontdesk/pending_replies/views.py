"""How a pending reply is read: its row and the uploads it holds."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.files.schemas import StoredFileRead
from frontdesk.pending_replies import service
from frontdesk.pending_replies.models import PendingReply
from frontdesk.pending_replies.schemas import PendingError, PendingReplyRead


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
        )
        for reply in pending
    ]
