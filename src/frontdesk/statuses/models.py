"""Custom ticket statuses: named sub-states of open, on hold and closed (docs/desk.md, "Ticket
statuses"). A ticket names one in `tickets.status_id`; its `state` stays what every folder, SLA,
rule and report reads."""

from __future__ import annotations

import enum

from sqlalchemy import Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base, Timestamped, enum_column

MAX_NAME = 40


class StatusState(enum.StrEnum):
    """The states a custom status may belong to: snoozed and spam are the system's own."""

    open = "open"
    hold = "hold"
    closed = "closed"


class TicketStatus(Timestamped, Base):
    __tablename__ = "ticket_statuses"
    # Macros and rules name statuses by id: a deleted status's id must never name a new one.
    __table_args__ = (
        Index("ix_ticket_statuses_state_position", "state", "position", "id"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    # Unique: two names that differ only in case or Unicode form are one status (labels' key).
    name_key: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    state: Mapped[StatusState] = mapped_column(enum_column(StatusState))
    # Its place among its state's statuses, 0 first (the desk's pickers list them in order).
    position: Mapped[int] = mapped_column(default=0)
    # No longer offered; the tickets that have it keep it and show it.
    archived: Mapped[bool] = mapped_column(default=False, server_default=false())
