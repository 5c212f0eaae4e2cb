"""Blocked senders: an address, or a whole domain, whose mail and contact-form messages go
straight to the Spam folder (docs/email.md, "Blocked senders")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base
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
