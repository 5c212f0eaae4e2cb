"""One row per idempotency key a credential used: the request it was first sent with (a
fingerprint) and the answer it got, written in the transaction of what the request did."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base, JSONType
from frontdesk.kit.clock import utcnow

UNOWNED = text("user_id IS NULL")
# The mail server's credential (`POST /api/v1/inbound/mime`): no user's.
INBOUND = "inbound"


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (
        # What a retry looks up, and what makes two requests with one key take turns: the second
        # insert waits for the first one's transaction (idempotency/service.py `claim`).
        UniqueConstraint("user_id", "credential", "key"),
        # The keys of the mail server, which is no user: a unique constraint takes two nulls
        # for distinct values, this index tells them apart (migration 0067).
        Index(
            "uq_idempotency_keys_unowned",
            "credential",
            "key",
            unique=True,
            sqlite_where=UNOWNED,
            postgresql_where=UNOWNED,
        ),
        # The sweep's order (idempotency/timers.py).
        Index("ix_idempotency_keys_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for the mail server's keys (`credential` "inbound").
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # `token:<id>` or `session:<id>`: a key is one credential's, as Stripe's are one API key's.
    credential: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(255))
    # SHA-256 of the method, path, query and body the key was first sent with.
    fingerprint: Mapped[str] = mapped_column(String(64))
    # The answer, its body sealed (idempotency/edge.py `_seal`); unset inside the transaction
    # that is writing it, and on a claim its request committed part-way (in progress, taken over
    # after service.IN_PROGRESS_FOR).
    status_code: Mapped[int | None]
    headers: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
