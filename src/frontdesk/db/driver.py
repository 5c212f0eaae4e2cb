"""The database driver's own connection under a session's transaction, for the hot paths that
run their statements on it directly (db/sqlite.py `inline_sqlite`, db/postgres.py
`inline_asyncpg`).

Kept in the session for its transaction: a message's batch asks several times, and each answer
through SQLAlchemy (`session.connection()`, then the pool's raw connection) costs more than most
of the statements it then runs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import PoolProxiedConnection

_KEY = "driver_connection"


async def pooled_connection(session: AsyncSession) -> PoolProxiedConnection:
    """The pool's connection of the session's transaction (its `driver_connection` is the
    driver's own, its `dbapi_connection` SQLAlchemy's adapter of it), begun on the session's side
    if it was not."""
    transaction = session.sync_session.get_transaction()
    known = session.info.get(_KEY)
    if transaction is not None and known is not None and known[0] is transaction:
        return known[1]  # type: ignore[no-any-return]
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    session.info[_KEY] = (session.sync_session.get_transaction(), raw)
    return raw


async def driver_connection(session: AsyncSession) -> Any:
    """The driver's connection (aiosqlite's, asyncpg's …) of the session's transaction."""
    return (await pooled_connection(session)).driver_connection
