from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from frontdesk.kit.schemas import FROM_STRING, ReadModel, WriteModel
from frontdesk.mail.models import (
    InboundStatus,
    MailboxAuth,
    MailboxSecurity,
    OutboxState,
    ProcessedAction,
    SmtpSecurity,
)


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


class MailboxRead(ReadModel):
    """An inbox's IMAP mailbox: its settings (never the password or token) and its status."""

    inbox_id: int
    enabled: bool
    host: str
    port: int
    security: MailboxSecurity
    username: str
    auth: MailboxAuth
    folder: str
    processed: ProcessedAction
    move_to: str | None
    smtp_host: str | None
    smtp_port: int | None
    smtp_security: SmtpSecurity | None
    last_fetch_at: datetime | None = Field(description="The last fetch that reached the server.")
    last_error: str | None = Field(description="Why the last attempt failed; null once one works.")
    last_error_at: datetime | None
    failures: int = Field(description="Attempts that failed in a row (each waits longer).")
    next_attempt_at: datetime
    messages_fetched: int
    updated_at: datetime


class MailboxWrite(WriteModel):
    host: Annotated[str, Field(min_length=1, max_length=255)]
    port: Annotated[int, Field(ge=1, le=65_535)]
    security: Annotated[MailboxSecurity, FROM_STRING] = MailboxSecurity.tls
    username: Annotated[str, Field(min_length=1, max_length=320)]
    auth: Annotated[MailboxAuth, FROM_STRING] = MailboxAuth.password
    secret: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=8000,
            description="The password or OAuth 2.0 access token. Write-only: never returned; "
            "leave it out to keep the stored one.",
        ),
    ] = None
    folder: Annotated[str, Field(min_length=1, max_length=255)] = "INBOX"
    processed: Annotated[ProcessedAction, FROM_STRING] = ProcessedAction.seen
    move_to: Annotated[str | None, Field(min_length=1, max_length=255)] = None
    enabled: bool = True
    smtp_host: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=255,
            description="Send this inbox's mail through the provider's SMTP server with the same "
            "user name and secret; null sends it through FRONTDESK_SMTP_URL.",
        ),
    ] = None
    smtp_port: Annotated[int | None, Field(ge=1, le=65_535)] = None
    smtp_security: Annotated[SmtpSecurity, FROM_STRING] = SmtpSecurity.starttls
