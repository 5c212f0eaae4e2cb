"""A ticket's checklist: the to-do items its team ticks off (docs/desk.md, "Checklists").

An item belongs to its ticket (deleted with it by the foreign key's cascade, whatever deletes
the ticket: retention, an erasure, the Spam folder). Who added it and who ticked it are agents,
whose accounts are deactivated, never deleted (set to null if one ever were)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base, Timestamped

MAX_TEXT = 200
MAX_ITEMS = 100


class ChecklistItem(Timestamped, Base):
    __tablename__ = "checklist_items"
    __table_args__ = (
        # The sidebar reads a ticket's items in order; the list counts them per ticket.
        Index("ix_checklist_items_ticket_id", "ticket_id", "position"),
        # Webhooks and realtime events name items by id.
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(MAX_TEXT))
    # Items are shown by position, then id: positions need not follow each other (a merge
    # appends, a deletion leaves a gap); a move numbers the ticket's items again from 0.
    position: Mapped[int]
    done: Mapped[bool] = mapped_column(default=False)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    done_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Taken up by every change: an edit may name the version it was made against (409 when
    # another change came first).
    version: Mapped[int] = mapped_column(default=1)
