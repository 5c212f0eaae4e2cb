"""Automation rules and the record of each time one ran on a ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base, JSONType, Timestamped
from frontdesk.kit.clock import utcnow


class Rule(Timestamped, Base):
    __tablename__ = "rules"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(default=True)
    # Rules answering the same moment run in this order (then by id).
    position: Mapped[int] = mapped_column(default=0)
    # `when`, `conditions` and `actions` as rules/kinds.py describes them; read back through
    # the same models, so a stored rule is checked by the rules a request is.
    when: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    match: Mapped[str] = mapped_column(String(3), default="all")
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A time-based rule's last round that judged every episode due then (rules/timed.py): the
    # next round reads only the tickets changed since. None until its first, and after an edit.
    checked_at: Mapped[datetime | None]
    # While it catches up, that batch judged the tickets up to this id only; the next batch
    # goes on from there. None once it has judged them all.
    caught_up_to: Mapped[int | None]


class RuleRun(Base):
    """One run of a rule on a ticket. A time-based rule's run names its `episode` (the customer
    message still unanswered, the state change still standing): the unique key makes it fire
    once per episode, whichever process gets there first. Event runs have no episode."""

    __tablename__ = "rule_runs"
    __table_args__ = (
        UniqueConstraint("rule_id", "ticket_id", "episode"),
        Index("ix_rule_runs_rule_id_ran_at", "rule_id", "ran_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("rules.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    episode: Mapped[str | None] = mapped_column(String(40))
    # done (something changed), unchanged (the ticket was as asked already), failed (an
    # action refused: nothing of it was applied), stopped (the loop bound held it back).
    outcome: Mapped[str] = mapped_column(String(10))
    applied: Mapped[list[str]] = mapped_column(JSONType, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    ran_at: Mapped[datetime] = mapped_column(default=utcnow)
