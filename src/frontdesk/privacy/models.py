"""What erasures leave behind: a record that one happened (no personal data in it), and the file
store keys whose bytes are still to be deleted once their rows are gone."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base, JSONType, enum_column
from frontdesk.kit.clock import utcnow


class ErasureKind(enum.StrEnum):
    customer = "customer"  # an admin erased one customer (privacy/erasure.py)
    retention = "retention"  # a retention pass deleted an inbox's old closed tickets


class Erasure(Base):
    """One erasure or one retention batch: when, by whom, what was deleted, counted. Ids only:
    the customer id names nothing once the customer is gone, and keeping it lets an admin answer
    "was customer 42 erased, and when?"."""

    __tablename__ = "erasures"
    __table_args__ = (Index("ix_erasures_kind_at", "kind", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ErasureKind] = mapped_column(enum_column(ErasureKind, length=10))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # No foreign keys: the customer is gone, and an inbox deleted later keeps its history here.
    customer_id: Mapped[int | None]
    inbox_id: Mapped[int | None]
    counts: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)


class FileDeletion(Base):
    """A key whose bytes go once no row names it (privacy/files.py). Written in the transaction
    that deletes the rows, so a process that dies before deleting the bytes leaves this row, and
    the next retention pass finishes the job. Not unique: two passes may queue one key."""

    __tablename__ = "file_deletions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
