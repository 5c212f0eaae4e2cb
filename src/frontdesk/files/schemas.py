from __future__ import annotations

from datetime import datetime

from frontdesk.kit.schemas import ReadModel


class StoredFileRead(ReadModel):
    id: int
    filename: str
    content_type: str
    size: int
    ticket_id: int
    entry_id: int | None
    created_at: datetime
