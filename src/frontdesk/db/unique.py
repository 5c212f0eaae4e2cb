"""Writes that a unique key decides. A check before the write cannot see a row another request
writes at the same moment; the key can, so the write goes first, in a savepoint that its refusal
rolls back without losing the rest of the transaction."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession


async def flush_unique(session: AsyncSession, *, taken: Exception) -> None:
    """Flushes what the session holds; a unique key's refusal raises `taken` (a 409 that says
    what is taken) instead of the database's error."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise taken from None


async def insert_once(session: AsyncSession, row: object) -> bool:
    """Inserts the row unless its unique key is already held (by another process, a retry, a
    rival request): True when this call wrote it."""
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        return False
    return True
