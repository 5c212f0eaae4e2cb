"""Auto-assignment: each inbox's choice (off, balanced, round robin) with its round-robin cursor,
and the tickets frontdesk itself assigned, so that an untouched one can be moved on."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, false
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base, Timestamped, enum_column
from frontdesk.kit.clock import utcnow

DEFAULT_TICKET_LIMIT = 10
DEFAULT_OFFER_TIMEOUT = 30


class AssignmentMode(enum.StrEnum):
    off = "off"
    balanced = "balanced"
    round_robin = "round_robin"


class InboxAssignment(Timestamped, Base):
    """No row: auto-assignment is off. The row is also the inbox's assignment lock: every
    assignment in the inbox holds it, so the limit and the cursor are read and moved by one
    transaction at a time."""

    __tablename__ = "inbox_assignment"

    inbox_id: Mapped[int] = mapped_column(
        ForeignKey("inboxes.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[AssignmentMode] = mapped_column(
        enum_column(AssignmentMode, length=20), default=AssignmentMode.off
    )
    # At most this many open tickets of the inbox assigned to one agent by frontdesk.
    ticket_limit: Mapped[int] = mapped_column(default=DEFAULT_TICKET_LIMIT)
    # An auto-assigned ticket nobody touched for this many minutes (business time) moves on.
    reassign_after_minutes: Mapped[int | None]
    # Round robin: the member assigned last; the next one after them (by id) is next.
    last_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Chats: offered to one agent at a time (docs/routing.md, "Offering chats one at a time")
    # instead of to everybody, each offer open this many seconds.
    offer_chats: Mapped[bool] = mapped_column(default=False, server_default=false())
    offer_timeout_seconds: Mapped[int] = mapped_column(
        default=DEFAULT_OFFER_TIMEOUT, server_default=str(DEFAULT_OFFER_TIMEOUT)
    )
    # The chats' own round-robin cursor: chats and tickets take turns separately.
    chat_last_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class AutoAssignment(Base):
    """The ticket's current assignment made by frontdesk; gone when the ticket is unassigned or
    assigned again."""

    __tablename__ = "auto_assignments"
    __table_args__ = (Index("ix_auto_assignments_assigned_at", "assigned_at"),)

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
