"""SQLite on the event loop's own thread.

aiosqlite runs every statement on a helper thread. Each round trip then waits for the GIL to come
back from a busy event loop (up to the interpreter's 5 ms switch interval), so a transaction of a
few statements costs tens of milliseconds under load, which is most of a chat message's latency.
SQLite statements of a help desk take microseconds, so we run them inline instead, and give the
engine a single connection: transactions of one process queue for it asynchronously rather than
blocking the loop on SQLite's file lock. (Other processes, such as the CLI, still meet the lock,
and wait for it with the busy timeout.)
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any, cast
from urllib.parse import quote

import aiosqlite
from sqlalchemy import Table
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from frontdesk.db.driver import driver_connection

BUSY_TIMEOUT_SECONDS = 30
logger = logging.getLogger(__name__)

Codec = Callable[[Any], Any]
_DIALECT = sqlite_dialect.dialect()


class _InlineQueue:
    """Stands in for aiosqlite's queue to its worker thread: runs each call at once."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _InlineQueue()  # type: ignore[assignment]

    def __await__(self) -> Any:
        # The base class starts its worker thread here; nothing to start.
        return self._connect().__await__()

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The sqlite3 connection itself, for a hot path that calls it directly: safe here, as
        every call runs on the loop's thread anyway, inside the transaction SQLAlchemy began."""
        return self._conn


async def inline_sqlite(session: AsyncSession) -> sqlite3.Connection | None:
    """The sqlite3 connection under the session's transaction (begun if it was not), for a hot
    path that runs its statements there directly; None on any other database or driver."""
    driver = await driver_connection(session)
    return driver.sqlite if isinstance(driver, InlineConnection) else None


def encoder(table: Table, column: str) -> Codec | None:
    """SQLAlchemy's own encoding of a column's values for SQLite, for a hot path that writes
    rows on the sqlite3 connection itself: the rows are stored as the ORM stores them. None:
    the values are stored as they are."""
    return cast(Codec | None, table.c[column].type.dialect_impl(_DIALECT).bind_processor(_DIALECT))


def decoder(table: Table, column: str) -> Codec | None:
    """SQLAlchemy's own decoding of a column's values read from SQLite; None: as they are."""
    return cast(
        Codec | None,
        table.c[column].type.dialect_impl(_DIALECT).result_processor(_DIALECT, None),
    )


def inline_creator(path: str, *, read_only: bool = False) -> Callable[[], Any]:
    """`read_only`: the connection can never write, nor create the file (mode=ro)."""
    target = f"file:{quote(path)}?mode=ro" if read_only else path
    opener = partial(sqlite3.connect, target, uri=read_only, timeout=BUSY_TIMEOUT_SECONDS)

    async def connect() -> InlineConnection:
        connection = InlineConnection(opener)
        await connection._connect()
        return connection

    return connect


def database_path(url: str) -> str:
    path = url.split(":///", 1)[-1]
    return path or ":memory:"


# The write-ahead log may grow to this before the checkpointer pauses the process's writers to
# finish a checkpoint (`WriterPause`).
LOG_LIMIT_BYTES = 512 * 1024 * 1024
WAL_FRAME_HEADER_BYTES = 24


class WriterPause:
    """Holds the process's one SQLite connection for the checkpointer thread, so that no
    transaction of the process writes while it finishes a checkpoint.

    Under a steady stream of commits a PASSIVE checkpoint never finishes: frames are appended
    while it copies the earlier ones. SQLite starts the log again from its beginning only after
    a checkpoint that copied every frame, so the log grew without end (1.4 GB in 30 s of
    2,000 chat messages a second, for a 44 MB database). Holding the connection makes every
    transaction wait for it as for any other, asynchronously: the event loop runs on, and the
    writers go on once the checkpoint is done.
    """

    def __init__(
        self, engine: AsyncEngine, loop: asyncio.AbstractEventLoop, *, timeout: float = 5.0
    ) -> None:
        self._engine = engine
        self._loop = loop
        self._timeout = timeout
        self._closed = False

    def close(self) -> None:
        """No more pauses: the engine is about to be disposed of."""
        self._closed = True

    @contextmanager
    def held(self) -> Iterator[bool]:
        """Called on the checkpointer's thread: True while the connection is held; False when
        it could not be had within the timeout (a long transaction), or the pause is closed."""
        if self._closed:
            yield False
            return
        held = threading.Event()
        released = asyncio.Event()

        async def hold() -> None:
            async with self._engine.connect():
                held.set()
                await released.wait()

        holding = hold()
        try:
            future = asyncio.run_coroutine_threadsafe(holding, self._loop)
        except RuntimeError:  # the loop is closed: the server is stopping
            holding.close()
            yield False
            return
        # Set as well when `hold` ends without the connection (the engine refused it).
        future.add_done_callback(lambda _: held.set())
        got = held.wait(self._timeout) and not future.done()
        try:
            yield got
        finally:
            if not got and not future.done():
                # The connection stayed busy: stop waiting for it (or, had it just come, give it
                # back); the checkpointer's next round asks again.
                future.cancel()
            else:
                if got:
                    self._loop.call_soon_threadsafe(released.set)
                try:
                    future.result(self._timeout)
                except Exception as exc:
                    logger.warning("SQLite checkpoint: holding the connection failed: %r", exc)


class Checkpointer:
    """Copies the write-ahead log back into the database file from a thread of its own.

    SQLite checkpoints automatically inside the commit that fills the log, and a checkpoint
    syncs the files to disk (each fdatasync took 18-37 ms on the bench machine): on the event
    loop's thread that would freeze every socket of the process, several times a minute under
    chat load. So the server's connection has automatic
    checkpoints off (`PRAGMA wal_autocheckpoint=0`) and this thread runs a PASSIVE checkpoint
    (it never blocks a writer or a reader) every `interval` seconds on its own connection. The
    sqlite3 module releases the GIL for the disk work, so the loop runs on meanwhile.

    Five times a second, because a checkpoint first syncs the log, and on ext4 the loop's
    appends to the log (`pwrite`) wait while that sync writes it back. With a second of log to
    write back (90 MB at 2,000 chat messages a second) the sync took 36-52 ms and held the loop
    for 20-40 ms of it, once a second: most of the chat p99 on SQLite. A fifth of a second's log
    is checkpointed in 14 ms, and the p99 fell from 19-34 ms to 10-15 ms (docs/performance.md,
    "The log synced five times a second").

    When the log has grown past `log_limit` bytes since it last started again, the process's
    writers are paused (`WriterPause`) for one more checkpoint right after, which then copies
    what is left (the frames written during the first) and lets the log start again.
    """

    def __init__(
        self, path: str, *, interval: float = 0.2, log_limit: int = LOG_LIMIT_BYTES
    ) -> None:
        self._path = path
        self._interval = interval
        self._log_limit = log_limit
        self._pause: WriterPause | None = None
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, pause: WriterPause | None = None) -> None:
        self._pause = pause
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        frame_bytes = 0
        try:
            while True:
                stopping = self._stopped.wait(self._interval)
                try:
                    if connection is None:
                        # mode=rw: never create a database file that is not there.
                        connection = sqlite3.connect(
                            f"file:{quote(self._path)}?mode=rw",
                            uri=True,
                            timeout=BUSY_TIMEOUT_SECONDS,
                        )
                        frame_bytes = self._frame_bytes(connection)
                    # fetchall: a statement left unfinished would keep a read transaction
                    # open on this connection, and with it the log from starting again.
                    [(_busy, log, _copied)] = connection.execute(
                        "PRAGMA wal_checkpoint(PASSIVE)"
                    ).fetchall()
                    # `log` counts the frames since the log last started again: a log that
                    # never starts again grows however much each checkpoint copies.
                    if log * frame_bytes > self._log_limit:
                        self._checkpoint_paused(connection)
                except sqlite3.Error as exc:
                    # The server reports an unusable database itself (/healthz); try next time.
                    logger.warning("SQLite checkpoint of %s failed: %s", self._path, exc)
                if stopping:
                    return
        finally:
            if connection is not None:
                connection.close()

    @staticmethod
    def _frame_bytes(connection: sqlite3.Connection) -> int:
        [(page_size,)] = connection.execute("PRAGMA page_size").fetchall()
        return int(page_size) + WAL_FRAME_HEADER_BYTES

    def _checkpoint_paused(self, connection: sqlite3.Connection) -> None:
        if self._pause is None:
            return
        with self._pause.held() as held:
            if held:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


def sqlite_checkpointer(database_url: str) -> Checkpointer | None:
    """A checkpointer for a SQLite file; None for other databases and in-memory ones."""
    if not database_url.startswith("sqlite"):
        return None
    path = database_path(database_url)
    return None if path == ":memory:" else Checkpointer(path)
