"""The outbox (every outbound mail is a row written in the transaction that caused it), and what
came in: inbound messages as received, and their attachments."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base, JSONType, enum_column, index_where_set
from frontdesk.kit.clock import utcnow


class OutboxState(enum.StrEnum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_next_attempt", "state", "next_attempt_at"),
        # Deleting an entry (retention, erasure) lets go of the mail sent as it.
        index_where_set("ix_outbox_entry", "entry_id"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_entries.id", ondelete="SET NULL")
    )
    # Fixed when the row is written, so a retry after a crash is the same message to receivers.
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    sender: Mapped[str] = mapped_column(String(400))
    recipients: Mapped[list[str]] = mapped_column(JSONType)
    subject: Mapped[str] = mapped_column(String(998))
    headers: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    state: Mapped[OutboxState] = mapped_column(enum_column(OutboxState), default=OutboxState.queued)
    attempts: Mapped[int] = mapped_column(default=0)
    # While `sending`, the end of the sender's lease: past it the row is due again, so a process
    # that died mid-send leaves nothing stuck (and the retry carries the same Message-ID).
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class InboundStatus(enum.StrEnum):
    processed = "processed"
    # Accepted but left off every ticket: a duplicate delivery, our own mail looping back, or an
    # automatic message (auto-reply, bounce) that belongs to no ticket.
    ignored = "ignored"
    rejected = "rejected"
    failed = "failed"


class InboundMessage(Base):
    """Every message that reached us, kept as received: the evidence behind an entry, and what an
    admin reads when a message was refused or could not be parsed."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        Index("ix_inbound_messages_status_received", "status", "received_at"),
        # Only a message without a Message-ID has one (mail/receiving.py, `_delivered_before`).
        index_where_set("ix_inbound_messages_raw_digest", "raw_digest"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    via: Mapped[str] = mapped_column(String(10))
    envelope_from: Mapped[str | None] = mapped_column(String(998))
    envelope_to: Mapped[list[str]] = mapped_column(JSONType, default=list)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    subject: Mapped[str] = mapped_column(String(998), default="")
    from_address: Mapped[str] = mapped_column(String(998), default="")
    size: Mapped[int] = mapped_column(default=0)
    headers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Deferred: lists and matching never need the bytes, and they can be megabytes.
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True, deferred_raiseload=True)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_entries.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[InboundStatus] = mapped_column(enum_column(InboundStatus))
    error: Mapped[str | None] = mapped_column(Text)
    # SHA-256 of `raw` (hex), for a message without a Message-ID: how a sender's retry of it is
    # recognised.
    raw_digest: Mapped[str | None] = mapped_column(String(64))


class DeletedTicket(Base):
    """The inbox of a ticket that was deleted (retention, erasure): its signed reply address
    outlives it in the mail people keep, and a reply to it opens a new ticket there. Nothing
    else is kept: a ticket's id names nobody once the ticket is gone."""

    __tablename__ = "deleted_tickets"

    ticket_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # Inboxes are deactivated, not deleted; were one deleted, what it was is moot.
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id", ondelete="CASCADE"))


class MailAttachment(Base):
    __tablename__ = "mail_attachments"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[int] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="CASCADE"), index=True
    )
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_entries.id", ondelete="SET NULL"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int]
    # Inline parts (an image pasted into the mail) name themselves by Content-ID.
    content_id: Mapped[str | None] = mapped_column(String(998))
    inline: Mapped[bool] = mapped_column(default=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True, deferred_raiseload=True)
    # A raster image (sniffed and decoded on receipt): its thumbnail, beside the bytes like them,
    # and the image's size in pixels. None for every other part.
    thumbnail: Mapped[bytes | None] = mapped_column(
        LargeBinary, deferred=True, deferred_raiseload=True
    )
    width: Mapped[int | None]
    height: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MailboxSecurity(enum.StrEnum):
    tls = "tls"  # TLS from the first byte (IMAPS, port 993)
    starttls = "starttls"  # plain connection upgraded with STARTTLS before logging in (port 143)
    # No TLS: only on loopback, or where FRONTDESK_IMAP_ALLOW_PLAIN says the network is trusted.
    plain = "plain"


class MailboxAuth(enum.StrEnum):
    password = "password"  # noqa: S105  (a method's name, not a secret)
    xoauth2 = "xoauth2"  # SASL XOAUTH2 with an OAuth 2.0 access token (Gmail, Microsoft 365)


class SmtpSecurity(enum.StrEnum):
    """As MailboxSecurity, for the provider's SMTP server (its own type: its own CHECK)."""

    tls = "tls"  # SMTPS, port 465
    starttls = "starttls"  # submission, port 587
    plain = "plain"


class ProcessedAction(enum.StrEnum):
    seen = "seen"  # flag \Seen and leave it where it is
    move = "move"  # move it to `move_to`


class MailboxAccount(Base):
    """An inbox's mailbox at a mail provider, fetched over IMAP: how to reach it, where the fetch
    got to (UIDVALIDITY and the last UID taken, advanced in the transaction that stores the
    messages), which process holds it (a lease), and what the last attempts did."""

    __tablename__ = "mailbox_accounts"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id", ondelete="CASCADE"), unique=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int]
    security: Mapped[MailboxSecurity] = mapped_column(enum_column(MailboxSecurity))
    username: Mapped[str] = mapped_column(String(320))
    auth: Mapped[MailboxAuth] = mapped_column(enum_column(MailboxAuth))
    # The password or access token: written through the API, never returned by it.
    secret: Mapped[str] = mapped_column(Text, deferred=True, deferred_raiseload=True)
    folder: Mapped[str] = mapped_column(String(255), default="INBOX")
    processed: Mapped[ProcessedAction] = mapped_column(
        enum_column(ProcessedAction), default=ProcessedAction.seen
    )
    move_to: Mapped[str | None] = mapped_column(String(255))
    # Outbound: the inbox's mail is sent through the provider's SMTP server with the same user
    # name and secret when smtp_host is set (otherwise through FRONTDESK_SMTP_URL).
    smtp_host: Mapped[str | None] = mapped_column(String(255))
    smtp_port: Mapped[int | None]
    smtp_security: Mapped[SmtpSecurity | None] = mapped_column(enum_column(SmtpSecurity))
    # Where the fetch got to: UIDs only mean something within one UIDVALIDITY.
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    # The highest UID when the mailbox was first opened: mail up to it that was already read
    # (\Seen) is the team's history, not new mail, and is left alone.
    history_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    failures: Mapped[int] = mapped_column(default=0)
    last_fetch_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    messages_fetched: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MailboxOAuth(Base):
    """How a mailbox that logs in with OAuth 2.0 gets its access tokens: the provider's token
    endpoint, the client registered there, and the refresh token the mailbox's user granted.
    The current access token is the account's `secret`; `version` counts the renewals, so that
    of two processes that find it expired only one asks the provider (mail/tokens.py)."""

    __tablename__ = "mailbox_oauth"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("mailbox_accounts.id", ondelete="CASCADE"), unique=True
    )
    token_url: Mapped[str] = mapped_column(String(2000))
    client_id: Mapped[str] = mapped_column(String(500))
    # Written through the API, never returned by it, like the password.
    client_secret: Mapped[str | None] = mapped_column(Text, deferred=True, deferred_raiseload=True)
    refresh_token: Mapped[str] = mapped_column(Text, deferred=True, deferred_raiseload=True)
    scope: Mapped[str | None] = mapped_column(String(2000))
    # When the access token in `secret` runs out; None: unknown, renewed before it is used.
    expires_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=0)
    refreshed_at: Mapped[datetime | None]
    # The provider refused the refresh token for good (invalid_grant…): nothing is asked of it
    # again until an admin saves a new one.
    refused: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(Text)
    error_at: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(default=0)
    # After a failure that may pass (endpoint unreachable, 5xx): not asked again before this.
    next_refresh_at: Mapped[datetime | None]
    # The process renewing the token right now, and until when it may (a guarded UPDATE).
    refresh_owner: Mapped[str | None] = mapped_column(String(64))
    refresh_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
