from __future__ import annotations

from datetime import datetime
from typing import Any

from frontdesk.kit.schemas import ReadModel
from frontdesk.mail.models import InboundStatus, OutboxState


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
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class OutboxDetail(OutboxRead):
    entry_id: int | None
    data: dict[str, Any]
    raw: str


class InboundResultRead(ReadModel):
    status: InboundStatus
    inbound_id: int
    ticket_id: int | None
    ticket_number: int | None
    entry_id: int | None
    created_ticket: bool
    reopened: bool
    auto: bool
    unexpected_sender: bool
    matched_by: str | None
    reason: str | None


class InboundRead(ReadModel):
    id: int
    received_at: datetime
    via: str
    envelope_from: str | None
    envelope_to: list[str]
    message_id: str | None
    subject: str
    from_address: str
    size: int
    headers: dict[str, Any]
    ticket_id: int | None
    entry_id: int | None
    status: InboundStatus
    error: str | None
