"""Blocked senders: an address, or a whole domain, whose mail and contact-form messages go
straight to the Spam folder (docs/email.md, "Blocked senders")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base, index_where_set
from frontdesk.kit.clock import utcnow


class BlockedSender(Base):
    __tablename__ = "blocked_senders"
    # Audit entries name a blocked sender by id.
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    # `ada@example.net` (an address, lower-cased) or `@example.net` (every address of that
    # domain, exactly that domain). Unique: blocking twice is blocking once.
    pattern: Mapped[str] = mapped_column(String(320), unique=True)
    # Who added it; null once that user is gone, or when the system did.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BlockedVisitor(Base):
    """A messenger visitor an agent blocked from a chat (docs/chat.md, "Blocking a visitor"): the
    messenger starts no chat and takes no message from them. The visitor is who their browser's
    token says; an address they typed proves nothing, so none is kept here."""

    __tablename__ = "blocked_visitors"
    # Audit entries name a blocked visitor by id.
    __table_args__ = (
        index_where_set("ix_blocked_visitors_ticket_id", "ticket_id"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: blocking twice is blocking once. Gone with the visitor (an erasure).
    visitor_id: Mapped[int] = mapped_column(
        ForeignKey("visitors.id", ondelete="CASCADE"), unique=True
    )
    # The chat's ticket, filed in Spam: what the admin reads before lifting the block. Null once
    # the Spam folder is emptied.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
