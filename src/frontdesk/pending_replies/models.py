"""A reply an agent sent with "Undo send" on, or scheduled with "Send later": held until its due
time, then sent through the same path as an immediate reply (pending_replies/service.py), or
taken back by its author.

A row outlives its sending for a while (`sent`, with the entry it became) so that an undo that
comes too late is told so (409 `reply_already_sent`) instead of "not found"; an undone one
(`undone`) likewise, so that a repeated undo gets its text again; a reply that could not be
sent stays `failed`, with why, until its author takes it back or it is swept."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base, JSONType, enum_column
from frontdesk.kit.clock import utcnow


class PendingState(enum.StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"
    # Taken back by its author: kept as `sent` is, so that an undo repeated (its answer lost)
    # gets the text again, and the desk tells "undone" from "sent".
    undone = "undone"


class PendingReply(Base):
    __tablename__ = "pending_replies"
    # Its id is in the desk's undo link: never given to another reply after this one is gone.
    __table_args__ = (Index("ix_pending_replies_state_due_at", "state", "due_at"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[PendingState] = mapped_column(
        enum_column(PendingState), default=PendingState.pending
    )
    text: Mapped[str] = mapped_column(Text)
    # The reply box's button: send, hold or close (tickets/schemas.py AfterReply).
    then: Mapped[str] = mapped_column(String(16))
    snooze_until: Mapped[datetime | None]
    cc: Mapped[list[str]] = mapped_column(JSONType, default=list)
    bcc: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # The uploads it sends, in the author's order; each also has a `pending_reply_files` row,
    # which keeps the unsent-upload sweep away from it (files/cleanup.py).
    attachment_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # The newest entry its author had seen when holding it (the reply's `seen_entry_id`): at
    # its sending the thread is checked again against it (tickets/staleness.py).
    seen_entry_id: Mapped[int | None]
    # Whether the inbox's email signature is added when it is sent (the reply's `signature`).
    signature: Mapped[bool] = mapped_column(default=True, server_default=true())
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_entries.id", ondelete="SET NULL"), index=True
    )
    # Send later: held until a time its author chose (`send_at`), not for an Undo window. Such
    # a reply is shown to every agent who sees the ticket while it waits (scheduled.py).
    scheduled: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Why it was not sent (`failed`): the error's code and its words, as the API would answer.
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)

    def content(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "then": self.then,
            "snooze_until": self.snooze_until,
            "cc": list(self.cc),
            "bcc": list(self.bcc),
            "attachment_ids": list(self.attachment_ids),
        }


class PendingReplyFile(Base):
    """An upload a pending reply will send: while the row exists the upload is not "unsent"."""

    __tablename__ = "pending_reply_files"

    pending_reply_id: Mapped[int] = mapped_column(
        ForeignKey("pending_replies.id", ondelete="CASCADE"), primary_key=True
    )
    file_id: Mapped[int] = mapped_column(
        ForeignKey("stored_files.id", ondelete="CASCADE"), primary_key=True, index=True
    )
