"""Side conversations (docs/desk.md, "Side conversations"): a thread of email between the agents
of a ticket's inbox and someone other than the customer (a supplier, the warehouse), attached to
the ticket and never shown to the customer.

A side conversation belongs to one ticket (a merge moves it to the kept ticket, its undo brings
it back: side_conversations/moves.py) and is gone with it (the cascade: retention, an erasure).
Its messages are rows of their own, never entries of the ticket: nothing that shows, sends or
exports the ticket's thread (the portal, transcripts, the customer's export, the messenger,
webhooks' `message.created`) can come across them. Who started one, and who wrote a message, are
agents, deactivated and never deleted (set to null if one ever were)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base, JSONType, enum_column, index_where_set
from frontdesk.kit.clock import utcnow
from frontdesk.tickets.models import Direction

# People one side conversation is with: a question to a few, not a mailing.
MAX_PARTICIPANTS = 20
# Side conversations one ticket may have.
MAX_PER_TICKET = 50
SUBJECT_LENGTH = 300


class SideConversationState(enum.StrEnum):
    open = "open"
    closed = "closed"


class SideConversation(Base):
    __tablename__ = "side_conversations"
    __table_args__ = (
        Index("ix_side_conversations_ticket_id", "ticket_id", "id"),
        index_where_set("ix_side_conversations_created_by_id", "created_by_id"),
        # Its id is in its reply address, which outlives it in the mail people keep.
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(SUBJECT_LENGTH))
    # The addresses it is with, normalised, in the order they were first named; a stranger
    # answering through the reply address is not added (docs/desk.md).
    participants: Mapped[list[str]] = mapped_column(JSONType, default=list)
    state: Mapped[SideConversationState] = mapped_column(
        enum_column(SideConversationState), default=SideConversationState.open
    )
    # A message from outside arrived and no agent replied, closed or opened it since: the desk
    # shows "new reply".
    new_reply: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class SideMessage(Base):
    __tablename__ = "side_conversation_messages"
    __table_args__ = (
        Index("ix_side_conversation_messages_conversation", "side_conversation_id", "id"),
        index_where_set("ix_side_conversation_messages_author_user_id", "author_user_id"),
        index_where_set("ix_side_conversation_messages_inbound_id", "inbound_id"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    side_conversation_id: Mapped[int] = mapped_column(
        ForeignKey("side_conversations.id", ondelete="CASCADE")
    )
    direction: Mapped[Direction] = mapped_column(enum_column(Direction, length=3))
    # An agent's message: who wrote it. A received one: None, its sender in `from_address`.
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_address: Mapped[str] = mapped_column(String(998), default="")
    # Whom it went to (an agent's) or was addressed to (a received one).
    to: Mapped[list[str]] = mapped_column(JSONType, default=list)
    text: Mapped[str] = mapped_column(Text)
    # A received message's HTML, sanitised as a ticket's mail is (mail/inbound.py).
    html: Mapped[str | None] = mapped_column(Text)
    # Ours when sent, the sender's when received: how answers thread and copies are recognised.
    message_id: Mapped[str | None] = mapped_column(String(998), unique=True)
    # The message as received (mail/models.py), for a received one.
    inbound_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL")
    )
    # `from` (name and address as shown), `subject`, `quoted`, `attachments` (its files, as a
    # ticket entry lists them: an agent's uploads as files/service.py summarises them, a received
    # mail's attachments as mail/receiving.py does), `unexpected_sender` (not a participant),
    # `auto`.
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SideConversationFile(Base):
    """A file of a side message: an agent's upload it sent (`file_id`, a row of stored_files,
    files/models.py), or an attachment of the mail it was received as (`mail_attachment_id`, a
    row of mail_attachments). Either row keeps the ticket's id, so that it is served through the
    ticket (to agents who see it, never to the customer: neither is an entry's file) and goes
    with the ticket; this link says which side message it belongs to. While it exists, an upload
    is sent, not "unsent" (files/cleanup.py): used once, and never swept away."""

    __tablename__ = "side_conversation_files"
    __table_args__ = (
        CheckConstraint("(file_id IS NULL) <> (mail_attachment_id IS NULL)", name="one_file"),
        Index("ix_side_conversation_files_side_message_id", "side_message_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    side_message_id: Mapped[int] = mapped_column(
        ForeignKey("side_conversation_messages.id", ondelete="CASCADE")
    )
    # Unique: an upload is sent once, an attachment belongs to one message.
    file_id: Mapped[int | None] = mapped_column(
        ForeignKey("stored_files.id", ondelete="CASCADE"), unique=True
    )
    mail_attachment_id: Mapped[int | None] = mapped_column(
        ForeignKey("mail_attachments.id", ondelete="CASCADE"), unique=True
    )
