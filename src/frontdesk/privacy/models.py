"""What erasures leave behind: a record that one happened (no personal data in it), and the file
store keys whose bytes are still to be deleted once their rows are gone."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base, JSONType, enum_column
from frontdesk.kit.clock import utcnow

RUNNING = text("finished_at IS NULL")


class ErasureKind(enum.StrEnum):
    customer = "customer"  # an admin erased one customer (privacy/erasure.py)
    retention = "retention"  # a retention pass deleted an inbox's old closed tickets


def _finished_at(context: Any) -> datetime | None:
    # A customer's erasure runs in short transactions and its last one finishes it
    # (privacy/erasing.py); a retention batch is done when written.
    kind = context.get_current_parameters().get("kind")
    return None if kind == ErasureKind.customer else utcnow()


class Erasure(Base):
    """One erasure or one retention batch: when, by whom, what was deleted, counted. Ids only:
    the customer id names nothing once the customer is gone, and keeping it lets an admin answer
    "was customer 42 erased, and when?"."""

    __tablename__ = "erasures"
    __table_args__ = (
        Index("ix_erasures_kind_at", "kind", "at"),
        # The erasures still running, for the loop that finishes them (privacy/timers.py).
        Index("ix_erasures_running", "id", sqlite_where=RUNNING, postgresql_where=RUNNING),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ErasureKind] = mapped_column(enum_column(ErasureKind, length=10))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # No foreign keys: the customer is gone, and an inbox deleted later keeps its history here.
    customer_id: Mapped[int | None]
    inbox_id: Mapped[int | None]
    counts: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    # A customer's erasure runs in short transactions (privacy/erasing.py): None while it runs.
    # A retention batch is done when written.
    finished_at: Mapped[datetime | None] = mapped_column(default=_finished_at)
    # While it runs: the step it is at and its mark, and the addresses to take out of other
    # people's rows (emptied when it ends: the record keeps no personal data).
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    @property
    def state(self) -> str:
        return "done" if self.finished_at is not None else "running"


class ErasureItem(Base):
    """What a running erasure still has to delete, by kind (`ticket`, `chat`, `entry`,
    `inbound`, `outbox`, `visitor`), written when it starts: each of its short transactions
    takes the next ones and deletes them with their rows, so a process that stops in between
    leaves exactly what remains to do."""

    __tablename__ = "erasure_items"

    erasure_id: Mapped[int] = mapped_column(
        ForeignKey("erasures.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    item_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


class FileDeletion(Base):
    """A key whose bytes go once no row names it (privacy/files.py). Written in the transaction
    that deletes the rows, so a process that dies before deleting the bytes leaves this row, and
    the next retention pass finishes the job. Not unique: two passes may queue one key."""

    __tablename__ = "file_deletions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
