"""Time entries and running timers (docs/desk.md, "Time tracking").

An entry belongs to its ticket (deleted with it by the foreign key's cascade, whatever deletes
the ticket: retention, erasure, the Spam folder) and names its agent, whose account is
deactivated, never deleted: a deactivated agent's entries keep their name.
A timer is one row per agent: the primary key is the rule "one running timer per agent"."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base, Timestamped
from frontdesk.kit.clock import utcnow

MAX_MINUTES = 24 * 60
MAX_NOTE = 500


class TimeEntry(Timestamped, Base):
    __tablename__ = "time_entries"
    __table_args__ = (
        Index("ix_time_entries_ticket_id", "ticket_id"),
        # The report reads a range of days, then sums by agent and by inbox.
        Index("ix_time_entries_day", "day"),
        Index("ix_time_entries_user_id", "user_id"),
        # Webhooks and audit entries name entries by id.
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    minutes: Mapped[int]
    # The day worked, on the agent's calendar (not an instant): reports count it on that day.
    day: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(MAX_NOTE), default="")
    billable: Mapped[bool] = mapped_column(default=True)


class RunningTimer(Base):
    __tablename__ = "running_timers"
    __table_args__ = (Index("ix_running_timers_ticket_id", "ticket_id"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
