"""Links between tickets about the same thing (docs/desk.md, "Linked tickets").

A link is one row per pair, whichever ticket it was made from: the lower id first, the higher
second (a check), so that a unique key on the pair makes a second link of the same two tickets,
even one made at the same moment, impossible, and a ticket cannot name itself. Gone with either
ticket (the foreign keys' cascade, whatever deletes it: retention, an erasure, the Spam folder).
Who linked is an agent, whose accounts are deactivated, never deleted (set to null if one ever
were)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base
from frontdesk.kit.clock import utcnow

# Links a ticket may have: "related" is a handful; a list past this is a search, not a link.
MAX_LINKS = 50


class TicketLink(Base):
    __tablename__ = "ticket_links"
    __table_args__ = (
        # One link per pair (its index serves the reads and the cascade from the first ticket).
        UniqueConstraint("first_ticket_id", "second_ticket_id"),
        CheckConstraint("first_ticket_id < second_ticket_id", name="ordered_pair"),
        # The reads and the cascade from the second ticket.
        Index("ix_ticket_links_second_ticket_id", "second_ticket_id"),
        # A merge keeps the ids of the links it moved (TicketMove.data["link_ids"]) for its undo:
        # an id given again would have the undo move another link.
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    second_ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def other_than(self, ticket_id: int) -> int:
        """The ticket at the other end from `ticket_id`."""
        return self.second_ticket_id if self.first_ticket_id == ticket_id else self.first_ticket_id


def pair(one: int, other: int) -> tuple[int, int]:
    """Two ticket ids as a link stores them: the lower first."""
    return (one, other) if one < other else (other, one)
