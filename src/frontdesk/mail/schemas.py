from __future__ import annotations

from datetime import datetime

from frontdesk.kit.schemas import ReadModel
from frontdesk.mail.models import OutboxState


class OutboxRead(ReadModel):
    id: int
    ticket_id: int | None
    message_id: str
    sender: str
    recipients: list[str]
    subject: str
    headers: dict[str, str]
    text: str
    html: str | None
    state: OutboxState
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
