"""Visitors, chats, participants, invitations, the per-chat event log, and live connections."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base, JSONType, enum_column, index_where_set
from frontdesk.kit.clock import utcnow


class ChatState(enum.StrEnum):
    waiting = "waiting"
    active = "active"
    ended = "ended"


class EndReason(enum.StrEnum):
    agent = "agent"
    unanswered = "unanswered"
    # The visitor ended a chat an agent had answered (one nobody answered ends as unanswered).
    visitor = "visitor"


class InvitationKind(enum.StrEnum):
    invite = "invite"
    transfer = "transfer"


class OfferOutcome(enum.StrEnum):
    accepted = "accepted"
    declined = "declined"
    expired = "expired"
    # The agent went offline, or the chat was joined or ended otherwise.
    offline = "offline"
    withdrawn = "withdrawn"


class AuthorKind(enum.StrEnum):
    visitor = "visitor"
    agent = "agent"
    system = "system"


class Visitor(Base):
    """Someone using the messenger. The token in their browser is stored only as a digest."""

    __tablename__ = "visitors"
    # An erasure finds a person's visits by the address they gave (privacy/scope.py).
    __table_args__ = (index_where_set("ix_visitors_email", "email"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320))
    # identify(): verified when the inbox's identity secret signed the email.
    identity_verified: Mapped[bool] = mapped_column(default=False)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    page_url: Mapped[str | None] = mapped_column(String(2000))
    page_title: Mapped[str | None] = mapped_column(String(500))
    minimized: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


chat_labels = Table(
    "chat_labels",
    Base.metadata,
    Column("chat_id", ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True),
    Column("label_id", ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Chat(Base):
    __tablename__ = "chats"
    __table_args__ = (
        Index("ix_chats_state_inbox", "state", "inbox_id", "started_at"),
        Index("ix_chats_visitor", "visitor_id", "started_at"),
        # The inbox's latest answered chats: the wait a visitor is told to expect.
        Index("ix_chats_inbox_answered", "inbox_id", "answered_at"),
        # An erasure finds a person's chats by the address they gave (privacy/scope.py).
        index_where_set("ix_chats_visitor_email", "visitor_email"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id", ondelete="CASCADE"))
    visitor_id: Mapped[int] = mapped_column(ForeignKey("visitors.id", ondelete="CASCADE"))
    state: Mapped[ChatState] = mapped_column(enum_column(ChatState), default=ChatState.waiting)
    end_reason: Mapped[EndReason | None] = mapped_column(enum_column(EndReason))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The highest sequence number handed out; taking the next one locks the row.
    last_seq: Mapped[int] = mapped_column(default=0)
    visitor_name: Mapped[str] = mapped_column(String(200), default="")
    visitor_email: Mapped[str | None] = mapped_column(String(320))
    # The website signed `visitor_email` (identify() with a userHash) when the chat started;
    # otherwise the visitor only typed it.
    visitor_verified: Mapped[bool] = mapped_column(default=False)
    # What the messenger said when the chat started: its language (a BCP 47 tag) and the
    # browser's IANA time zone, for the mail the visitor gets from the chat (mail/words.py).
    # None when it said nothing usable: English, UTC.
    visitor_locale: Mapped[str | None] = mapped_column(String(35))
    visitor_time_zone: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    last_message_at: Mapped[datetime | None]
    last_message_text: Mapped[str] = mapped_column(String(300), default="")
    # seq of the visitor's last message: a participant whose read mark is below it has unread.
    last_visitor_seq: Mapped[int] = mapped_column(default=0)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), unique=True
    )


class ChatParticipant(Base):
    __tablename__ = "chat_participants"
    __table_args__ = (Index("ix_chat_participants_user_active", "user_id", "left_at"),)

    chat_id: Mapped[int] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]
    read_seq: Mapped[int] = mapped_column(default=0)


class ChatInvitation(Base):
    __tablename__ = "chat_invitations"
    __table_args__ = (UniqueConstraint("chat_id", "invitee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    inviter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    invitee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[InvitationKind] = mapped_column(enum_column(InvitationKind))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChatOffer(Base):
    """A waiting chat offered to one agent (an inbox option, docs/routing.md). One row per agent
    asked; the one without an outcome is the open offer (at most one per chat, kept so by the
    chat's row lock). No open row: the chat is offered to everybody, as usual."""

    __tablename__ = "chat_offers"
    __table_args__ = (Index("ix_chat_offers_open", "outcome", "expires_at"),)

    chat_id: Mapped[int] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    offered_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    outcome: Mapped[OfferOutcome | None] = mapped_column(enum_column(OfferOutcome, length=20))
    decided_at: Mapped[datetime | None]


class ChatEvent(Base):
    """The chat's history: messages and system lines, numbered per chat, replayable."""

    __tablename__ = "chat_events"
    __table_args__ = (
        UniqueConstraint("chat_id", "seq"),
        # A retried send carries the same client id; the constraint makes the retry harmless.
        UniqueConstraint("chat_id", "client_msg_id"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(40))
    author_kind: Mapped[AuthorKind] = mapped_column(enum_column(AuthorKind))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    client_msg_id: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # False for agent-only events (labels, invitations): never replayed to the visitor.
    visible_to_visitor: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AvailabilityChange(Base):
    """Who went online or offline, when and why (`self`, `idle`): so a missed chat can be traced."""

    __tablename__ = "availability_changes"
    __table_args__ = (Index("ix_availability_changes_user_at", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    available: Mapped[bool]
    reason: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ConnectionKind(enum.StrEnum):
    agent = "agent"
    visitor = "visitor"


class Connection(Base):
    """One open WebSocket, in whichever process holds it: presence across processes."""

    __tablename__ = "connections"
    __table_args__ = (
        Index("ix_connections_user", "user_id"),
        Index("ix_connections_visitor", "visitor_id"),
        Index("ix_connections_heartbeat", "heartbeat_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[ConnectionKind] = mapped_column(enum_column(ConnectionKind))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    visitor_id: Mapped[int | None] = mapped_column(ForeignKey("visitors.id", ondelete="CASCADE"))
    process_id: Mapped[str] = mapped_column(String(40), index=True)
    connected_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChatFile(Base):
    """A file sent in a chat (chats/attachments.py): uploaded by the visitor or an agent, then sent
    by one message (`event_id`). The bytes are in the file store under `key`; `public_id` is what
    links name, random so that no id leads to another customer's file."""

    __tablename__ = "chat_files"
    __table_args__ = (
        # A retried upload carries the same client id: stored once.
        UniqueConstraint("chat_id", "client_id"),
        # Whether a key's bytes are still named by a row, before they are deleted
        # (privacy/files.py); a chat's file and its ticket's copy share the key.
        Index("ix_chat_files_key", "key"),
        Index("ix_chat_files_thumbnail_key", "thumbnail_key"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(64))
    thumbnail_key: Mapped[str | None] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    # Sniffed from the bytes, never taken from the name or the uploader's word.
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int]
    width: Mapped[int | None]
    height: Mapped[int | None]
    uploader_kind: Mapped[AuthorKind] = mapped_column(enum_column(AuthorKind))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # None until a message sends it: an upload only its uploader can see.
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("chat_events.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
