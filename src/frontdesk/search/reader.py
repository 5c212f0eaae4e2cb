"""Searches on SQLite run on read-only connections of their own, in worker threads.

The app's SQLite connection is one, used on the event loop's thread (db/sqlite.py): a search
of a few tens of milliseconds there would hold up every other request of the process, and a
writer's transaction would hold up the search. A read-only connection in WAL mode reads the last
committed state without taking any lock a writer waits for, and the sqlite3 module releases the
GIL while SQLite works, so the loop serves other requests meanwhile. PostgreSQL needs none of
this: every request has a connection of its own, and the driver does not block the loop.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, Executable, Row, create_engine
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import QueuePool

from frontdesk.db.session import release_before_waiting
from frontdesk.db.sqlite import BUSY_TIMEOUT_SECONDS, database_path

READER_KEY = "search_reader"
# Searches at once per process; more wait for a connection. Two cores are what the bench box
# has; more would only share them.
CONNECTIONS = 2


class SearchReader:
    def __init__(self, path: str) -> None:
        def connect() -> sqlite3.Connection:
            # mode=ro: never creates or writes the file; check_same_thread off because the
            # pool hands a connection to whichever worker thread runs the next search.
            return sqlite3.connect(
                f"file:{quote(path)}?mode=ro",
                uri=True,
                timeout=BUSY_TIMEOUT_SECONDS,
                check_same_thread=False,
            )

        self._engine: Engine = create_engine(
            "sqlite://",
            creator=connect,
            poolclass=QueuePool,
            pool_size=CONNECTIONS,
            max_overflow=0,
            pool_timeout=60,
        )
        self._slots = asyncio.Semaphore(CONNECTIONS)

    async def rows(
        self, *statements: Executable, parameters: Mapping[str, Any] | None = None
    ) -> list[Sequence[Row[Any]]]:
        """The rows of each statement, read in one snapshot."""
        async with self._slots:
            return await asyncio.to_thread(self._read, statements, parameters)

    def _read(
        self, statements: tuple[Executable, ...], parameters: Mapping[str, Any] | None
    ) -> list[Sequence[Row[Any]]]:
        with self._engine.connect() as connection:
            # One read transaction for all statements: they see the same committed state.
            connection.exec_driver_sql("BEGIN")
            try:
                return [connection.execute(statement, parameters).all() for statement in statements]
            finally:
                connection.exec_driver_sql("COMMIT")

    def dispose(self) -> None:
        self._engine.dispose()


def search_reader(database_url: str) -> SearchReader | None:
    """A reader for a SQLite file; None for PostgreSQL and in-memory SQLite."""
    if not database_url.startswith("sqlite"):
        return None
    path = database_path(database_url)
    return None if path == ":memory:" else SearchReader(path)


async def read(
    session: AsyncSession, *statements: Executable, parameters: Mapping[str, Any] | None = None
) -> list[Sequence[Row[Any]]]:
    """The rows of each statement, given the values of its named `parameters`: on the search
    reader when the app has one, else on the session's own connection."""
    reader: SearchReader | None = session.info.get(READER_KEY)
    if reader is not None:
        # The request's transaction holds the process's one connection (and SQLite's write
        # lock): end it first, or every other request would wait for the search after all.
        await release_before_waiting(session)
        return await reader.rows(*statements, parameters=parameters)
    return [(await session.execute(statement, parameters)).all() for statement in statements]
