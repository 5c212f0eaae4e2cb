from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

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


class MailboxOAuthRead(ReadModel):
    """How the mailbox's OAuth 2.0 access token is renewed, and how that goes (never the client
    secret nor any token)."""

    token_url: str
    client_id: str
    scope: str | None
    client_secret_set: bool = Field(description="Whether a client secret is stored.")
    state: Literal["valid", "expired", "failing", "refused"] = Field(
        description="valid: the access token has time left; expired: renewed before its next "
        "use; failing: the last renewal failed and is tried again at next_refresh_at; refused: "
        "the provider refused the refresh token, connect the mailbox again."
    )
    expires_at: datetime | None = Field(description="When the current access token runs out.")
    refreshed_at: datetime | None = Field(description="The last renewal that worked.")
    error: str | None = Field(description="Why the last renewal failed; null once one works.")
    error_at: datetime | None
    next_refresh_at: datetime | None


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
    oauth: MailboxOAuthRead | None = Field(
        default=None,
        description="With auth xoauth2: how the access token is renewed (null: used as saved).",
    )


class MailboxOAuthWrite(WriteModel):
    """The refresh_token grant: where to ask, as which client, with which refresh token."""

    token_url: Annotated[
        str,
        Field(
            min_length=1,
            max_length=2000,
            description="The provider's token endpoint, e.g. https://oauth2.googleapis.com/token "
            "or https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token.",
        ),
    ]
    client_id: Annotated[str, Field(min_length=1, max_length=500)]
    client_secret: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=8000,
            description="Write-only: never returned; leave it out to keep the stored one.",
        ),
    ] = None
    refresh_token: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=8000,
            description="Write-only: never returned; leave it out to keep the stored one. "
            "Saving one clears a refusal and renews the access token at the next use.",
        ),
    ] = None
    scope: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=2000,
            description="Sent with each renewal when set (Microsoft: the IMAP and SMTP scopes).",
        ),
    ] = None


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
            description="The password or OAuth 2.0 access token (optional with `oauth`: one is "
            "obtained). Write-only: never returned; leave it out to keep the stored one.",
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
    oauth: MailboxOAuthWrite | None = Field(
        default=None,
        description="With auth xoauth2: renew the access token with this refresh token. Null "
        "uses `secret` as the access token, as saved, and forgets a stored refresh token.",
    )
