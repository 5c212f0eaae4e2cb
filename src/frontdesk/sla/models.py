"""SLA policies (an ordered list: the first that matches a ticket applies), each ticket's running
targets with their due times, and the warnings and breaches recorded once each (docs/routing.md)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base, enum_column
from frontdesk.kit.clock import utcnow


class Target(enum.StrEnum):
    first_response = "first_response"
    next_response = "next_response"
    resolution = "resolution"


class AlertKind(enum.StrEnum):
    warning = "warning"
    breach = "breach"


class SlaPolicy(Base):
    """Targets in minutes (None: no such target). A condition left None matches any ticket."""

    __tablename__ = "sla_policies"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)
    inbox_id: Mapped[int | None] = mapped_column(ForeignKey("inboxes.id", ondelete="CASCADE"))
    priority: Mapped[str | None] = mapped_column(String(10))
    label_id: Mapped[int | None] = mapped_column(ForeignKey("labels.id", ondelete="CASCADE"))
    # Counted in the inbox's business hours (paused while it is closed), or in calendar time.
    business_hours: Mapped[bool] = mapped_column(default=True)
    first_response_minutes: Mapped[int | None]
    next_response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]
    # How long before a target is due its people are warned (capped at half the target).
    warning_minutes: Mapped[int] = mapped_column(default=15)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketSla(Base):
    """The running targets of one ticket under its policy: when each is due, when it should be
    warned about, and when the timer next has something to do (`check_at`, its claim index)."""

    __tablename__ = "ticket_slas"
    __table_args__ = (Index("ix_ticket_slas_check_at", "check_at"),)

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("sla_policies.id", ondelete="SET NULL")
    )
    first_response_due: Mapped[datetime | None]
    first_response_warn: Mapped[datetime | None]
    # When the target began to run: the conversation's start, or for next response the first
    # unanswered customer message. A policy change moves the due time, never this.
    first_response_since: Mapped[datetime | None]
    next_response_due: Mapped[datetime | None]
    next_response_warn: Mapped[datetime | None]
    next_response_since: Mapped[datetime | None]
    resolution_due: Mapped[datetime | None]
    resolution_warn: Mapped[datetime | None]
    resolution_since: Mapped[datetime | None]
    check_at: Mapped[datetime | None]


class SlaAlert(Base):
    """A warning sent or a breach recorded: once per ticket, target and due time, whichever
    process (or request) gets there first; a breach also once per ticket, target and `since`,
    so a policy that moves the due time afterwards adds none. Reports count the breaches by
    `due_at`."""

    __tablename__ = "sla_alerts"
    __table_args__ = (
        UniqueConstraint("ticket_id", "target", "due_at", "kind"),
        Index("ix_sla_alerts_kind_due", "kind", "due_at", "inbox_id"),
        Index(
            "uq_sla_alerts_breach_once",
            "ticket_id",
            "target",
            "since",
            unique=True,
            sqlite_where=text("kind = 'breach'"),
            postgresql_where=text("kind = 'breach'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id", ondelete="CASCADE"))
    policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("sla_policies.id", ondelete="SET NULL")
    )
    # The assignee when it happened: a breach counts against them in reports.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    target: Mapped[Target] = mapped_column(enum_column(Target, length=20))
    kind: Mapped[AlertKind] = mapped_column(enum_column(AlertKind, length=10))
    due_at: Mapped[datetime]
    # When the target began to run (`TicketSla`); None for next-response alerts from before
    # migration 0055, which cannot tell which customer message they were about.
    since: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
