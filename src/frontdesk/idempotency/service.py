"""Claiming a key, keeping its answer, and forgetting keys after a day. No web framework here:
the HTTP edge (idempotency/edge.py) says what a request and an answer are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.upsert import upsert_into
from frontdesk.errors import FrontdeskError, Invalid
from frontdesk.idempotency.models import UNOWNED, IdempotencyKey
from frontdesk.kit.clock import utcnow

# At least this long a key answers again; the sweep forgets it after.
KEEP = timedelta(hours=24)
# A key committed without its answer (its request committed part-way, `release_before_waiting`,
# and still runs, or died before answering) is in progress this long, then a retry takes it over.
IN_PROGRESS_FOR = timedelta(minutes=5)


@dataclass(frozen=True)
class Answer:
    status_code: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Stored:
    """The key was used before: with this request (`fingerprint`), answered so."""

    fingerprint: str
    answer: Answer


class KeyReused(Invalid):
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            "Idempotency-Key",
            "This Idempotency-Key was already used for a different request (another method, "
            "path or body). Send a new key for a new request; reuse a key only to retry the "
            "very same request.",
        )


class KeyUnreadable(Invalid):
    code = "idempotency_key_unreadable"

    def __init__(self) -> None:
        super().__init__(
            "Idempotency-Key",
            "This Idempotency-Key's first answer can no longer be read (the server's secret key "
            "changed since). Look up whether the first request took effect, then send a new key.",
        )


class KeyInProgress(FrontdeskError):
    status_code = 409
    code = "idempotency_key_in_progress"

    def __init__(self) -> None:
        super().__init__(
            "A request with this Idempotency-Key is still running. Send the same request again "
            "with the same key in a few seconds to get its answer."
        )


class KeyUnsupported(FrontdeskError):
    status_code = 400
    code = "idempotency_key_unsupported"

    def __init__(self, operation: str) -> None:
        super().__init__(
            f"{operation} takes no Idempotency-Key: it is not an agent's request (sign-in and "
            "the like are safe to send again as they are). Send it without the header."
        )


class KeyMalformed(FrontdeskError):
    status_code = 400
    code = "idempotency_key_invalid"

    def __init__(self) -> None:
        super().__init__(
            "The Idempotency-Key header must be 1 to 255 printable ASCII characters (a UUID "
            "is a good key)."
        )


async def claim(
    session: AsyncSession, *, user_id: int | None, credential: str, key: str, fingerprint: str
) -> int | Stored:
    """The key's row, inserted in the request's transaction (its id), or what the key answered
    before. A request with the same key in another transaction that has not ended holds the
    key: this one waits for it (PostgreSQL's unique index; SQLite runs one writing transaction
    at a time) and then reads its answer, so the two never both do the work. `user_id` None:
    the mail server's key (models.py `INBOUND`), unique by its own index."""
    values = {
        "user_id": user_id,
        "credential": credential,
        "key": key,
        "fingerprint": fingerprint,
        "created_at": utcnow(),
    }
    insert = (
        upsert_into(session.get_bind().dialect.name, IdempotencyKey)
        .values(values)
        .on_conflict_do_nothing(
            index_elements=["user_id", "credential", "key"]
            if user_id is not None
            else ["credential", "key"],
            index_where=None if user_id is not None else UNOWNED,
        )
        .returning(IdempotencyKey.id)
    )
    for _ in range(2):
        claimed = (await session.execute(insert)).scalar_one_or_none()
        if claimed is not None:
            return claimed
        row = (
            await session.execute(
                select(
                    IdempotencyKey.id,
                    IdempotencyKey.fingerprint,
                    IdempotencyKey.status_code,
                    IdempotencyKey.headers,
                    IdempotencyKey.body,
                ).where(
                    IdempotencyKey.user_id.is_(None)
                    if user_id is None
                    else IdempotencyKey.user_id == user_id,
                    IdempotencyKey.credential == credential,
                    IdempotencyKey.key == key,
                )
            )
        ).one()
        if row.fingerprint != fingerprint:
            raise KeyReused
        if row.status_code is not None:
            return Stored(
                row.fingerprint, Answer(row.status_code, dict(row.headers or {}), row.body or b"")
            )
        # Committed without its answer: a request that committed part-way still runs (two
        # must not both do the work), or died before answering, long enough ago to take over.
        stale = await session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.id == row.id,
                IdempotencyKey.status_code.is_(None),
                IdempotencyKey.created_at < utcnow() - IN_PROGRESS_FOR,
            )
        )
        if not stale.rowcount:  # type: ignore[attr-defined]
            raise KeyInProgress
    raise KeyInProgress


async def answered(session: AsyncSession, claimed: int, answer: Answer) -> None:
    """Keeps the answer on the claimed row, in the transaction of what the request did."""
    await session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == claimed)
        .values(status_code=answer.status_code, headers=answer.headers, body=answer.body)
    )


async def let_go(session: AsyncSession, claimed: int) -> None:
    """Nothing to keep (the server failed): a retry runs again."""
    await session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == claimed))


async def settled(session: AsyncSession, claimed: int, answer: Answer | None) -> None:
    """For a claim committed part-way through its request, which then failed: in a transaction
    of its own, keeps the answer (a refusal) on the row, or lets the key go (a server failure).
    Only while the row has no answer: a retry that took the key over keeps its own."""
    unanswered = (IdempotencyKey.id == claimed, IdempotencyKey.status_code.is_(None))
    if answer is None:
        await session.execute(delete(IdempotencyKey).where(*unanswered))
        return
    await session.execute(
        update(IdempotencyKey)
        .where(*unanswered)
        .values(status_code=answer.status_code, headers=answer.headers, body=answer.body)
    )


async def refused(
    session: AsyncSession,
    *,
    user_id: int,
    credential: str,
    key: str,
    fingerprint: str,
    answer: Answer,
) -> None:
    """Keeps a refusal whose transaction was rolled back (nothing was done), in a transaction of
    its own; if a retry claimed the key meanwhile, its answer stands."""
    values: dict[str, Any] = {
        "user_id": user_id,
        "credential": credential,
        "key": key,
        "fingerprint": fingerprint,
        "status_code": answer.status_code,
        "headers": answer.headers,
        "body": answer.body,
        "created_at": utcnow(),
    }
    await session.execute(
        upsert_into(session.get_bind().dialect.name, IdempotencyKey)
        .values(values)
        .on_conflict_do_nothing(index_elements=["user_id", "credential", "key"])
    )


async def forget_old(session: AsyncSession, *, now: datetime, limit: int) -> int:
    """Deletes up to `limit` keys older than KEEP: how many."""
    old = (
        select(IdempotencyKey.id)
        .where(IdempotencyKey.created_at < now - KEEP)
        .order_by(IdempotencyKey.created_at)
        .limit(limit)
    )
    ids = list((await session.execute(old)).scalars())
    if ids:
        await session.execute(delete(IdempotencyKey).where(IdempotencyKey.id.in_(ids)))
    return len(ids)
