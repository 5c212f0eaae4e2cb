"""asyncpg's own connection under a session's transaction, for the hot paths that run their
statements there directly (chats/statements.py, metrics/clock_rows.py, webhooks/capture.py).

Through SQLAlchemy a statement costs about 150 µs of CPU around asyncpg's 50 (a select by a list
of ids, measured alone), and the message writer runs ten a batch: on PostgreSQL that was a
quarter of a chat process's CPU. The statements that go straight to asyncpg are fixed texts
(lists travel as arrays, `= ANY($1)` and `unnest`), so asyncpg prepares each once per
connection; values are encoded by SQLAlchemy's own processors for their columns (`encoder`), so
the rows are what the ORM would write.

Only inside a transaction: asyncpg's connection outside one would commit each statement on its
own. SQLAlchemy's asyncpg adapter sends BEGIN just before the transaction's first statement, so
until then `inline_asyncpg` answers None and the caller runs that statement through SQLAlchemy,
which begins the transaction; or, asked to `begin`, it has the adapter send BEGIN alone, as it
would have, and answers the connection (the message writer's first statement, once a batch).
Errors from a direct statement are asyncpg's own (`asyncpg.PostgresError`, with its
`sqlstate`), not SQLAlchemy's wrappers of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import asyncpg
from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.driver import pooled_connection

_DIALECT = asyncpg_dialect.dialect()  # type: ignore[no-untyped-call]

Encoder = Callable[[Any], Any]


async def inline_asyncpg(session: AsyncSession, *, begin: bool = False) -> Any | None:
    """The asyncpg connection under the session's transaction once that has begun; None before
    that (unless `begin`), and on any other database or driver."""
    raw = await pooled_connection(session)
    driver = raw.driver_connection
    if not isinstance(driver, asyncpg.Connection):
        return None
    if driver.is_in_transaction():
        return driver
    if not begin:
        return None
    # The adapter's own BEGIN (with the isolation level it was given), so that it knows of the
    # transaction and SQLAlchemy's commit and rollback end it. A private method of SQLAlchemy's
    # adapter: without it, the statement goes through SQLAlchemy as before.
    start = getattr(raw.dbapi_connection, "_start_transaction", None)
    if start is None:
        return None
    try:
        await start()
    except Exception:
        # Through SQLAlchemy instead, which fails the same way but knows a lost connection when
        # it sees one: it replaces that connection and the pool's older ones (a restart).
        return None
    return driver if driver.is_in_transaction() else None


def encoder(table: Table, column: str) -> Encoder:
    """SQLAlchemy's own encoding of a column's values for asyncpg."""
    process = table.c[column].type.dialect_impl(_DIALECT).bind_processor(_DIALECT)
    return cast(Encoder, process) if process is not None else _same


def decoder(table: Table, column: str) -> Encoder:
    """SQLAlchemy's own decoding of a column's values from asyncpg."""
    process = table.c[column].type.dialect_impl(_DIALECT).result_processor(_DIALECT, None)
    return cast(Encoder, process) if process is not None else _same


def _same(value: Any) -> Any:
    return value
