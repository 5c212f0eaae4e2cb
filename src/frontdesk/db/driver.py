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

_KEY = "driver_connection"


async def driver_connection(session: AsyncSession) -> Any:
    """The driver's connection (aiosqlite's, asyncpg's …) of the session's transaction, begun on
    the session's side if it was not."""
    transaction = session.sync_session.get_transaction()
    known = session.info.get(_KEY)
    if transaction is not None and known is not None and known[0] is transaction:
        return known[1]
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    session.info[_KEY] = (session.sync_session.get_transaction(), driver)
    return driver
