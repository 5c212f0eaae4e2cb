"""Long reads (the reports' tables, the tickets behind a figure, the audit log's CSV, a
customer's export) in a process of their own, so that the process serving the desk never waits
for them.

A report for a year reads hundreds of thousands of rows and builds its table in Python: a
hundred milliseconds or more. Run on the desk's event loop, every other request waited for it,
chat messages too: the Reports page asks for its seven tables at once, and the loop stalled for
360 ms each time it was opened at 200,000 tickets (docs/performance.md, "Reports beside the
desk"). On SQLite the report also held the process's one connection, so every transaction
waited as well.

Threads of the same process do not help: they share the GIL with the loop, and the sqlite3
module lets go of it at every row, so the loop and the reading thread hand it to each other at
each step and each waits out the other's switch interval (5 ms). Measured: the page took 0.6-2.7
seconds instead of 0.3, and the desk's requests still waited up to 77-300 ms. A process of its
own shares nothing with the loop: the desk's process only waits on a pipe.

The reading process has one read-only connection: SQLite opened read-only in WAL mode, which
reads the last committed state without taking any lock a writer waits for; PostgreSQL in READ
ONLY, REPEATABLE READ transactions. Each read is one transaction, so all its statements see one
state, as in one request. Reads queue for the one process: it is one core at most, whatever the
Reports page asks for, and the other core is left to the desk.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.context import SETTINGS_KEY
from frontdesk.db.session import (
    create_reading_engine,
    database_unreachable,
    release_before_waiting,
)
from frontdesk.db.sqlite import database_path
from frontdesk.errors import DatabaseUnavailable, FrontdeskError

READING_KEY = "reading"
# What the process that starts the reading processes loads once; each reading process is then a
# fork of it, ready in milliseconds (`forkserver`: forked from a process with no threads and no
# event loop, unlike the desk's).
PRELOAD = [
    "frontdesk.db.reading",
    "frontdesk.reports.service",
    "frontdesk.audit.service",
    "frontdesk.privacy.service",
]

P = ParamSpec("P")
T = TypeVar("T")
Work = Callable[Concatenate[AsyncSession, P], Awaitable[T]]

logger = logging.getLogger(__name__)


class ReadingUnavailable(FrontdeskError):
    status_code = 503
    code = "reading_unavailable"
    retry_after = 2

    def __init__(self) -> None:
        super().__init__(
            "The report or export could not be prepared just now. Try again in a moment."
        )


class ReadingProcess:
    """The process reads run in, started at the first read (or by `start`), started again after
    it died."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pool: ProcessPoolExecutor | None = None
        self._starting: asyncio.Task[None] | None = None

    async def start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            if self._starting is None:
                self._starting = asyncio.create_task(self._start())
            try:
                # Shielded: a request that goes away does not stop the start others wait for.
                await asyncio.shield(self._starting)
            except Exception as exc:
                logger.error("the reading process could not start: %s", exc)
                raise ReadingUnavailable() from exc
        if self._pool is None:
            raise ReadingUnavailable()  # stopped meanwhile: the app is shutting down
        return self._pool

    def warm(self) -> None:
        """Starts the process in the background now (the server: ready for the first report)."""
        if self._pool is None and self._starting is None:
            self._starting = asyncio.create_task(self._start())
            self._starting.add_done_callback(_log_failure)

    async def _start(self) -> None:
        try:
            # Off the loop: the first start runs the fork server's imports (a second or so).
            self._pool = await asyncio.to_thread(self._started)
        finally:
            self._starting = None

    def _started(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        pool = ProcessPoolExecutor(
            max_workers=1, mp_context=context, initializer=_open, initargs=(self._settings,)
        )
        try:
            pool.submit(_ready).result()  # once the process is up
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        return pool

    async def run(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        pool = await self.start()
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(pool, _run, work, args, kwargs)
        except BrokenProcessPool as exc:
            logger.error("the reading process died; starting another at the next read")
            if self._pool is pool:
                self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            raise ReadingUnavailable() from exc

    async def stop(self) -> None:
        """Lets the process finish what it reads and exit (its connection closed)."""
        if self._starting is not None:
            with suppress(Exception):
                await self._starting
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        logger.error("the reading process could not start: %s", exc, exc_info=exc)


def reading_process(settings: Settings) -> ReadingProcess | None:
    """None for an in-memory SQLite database: no other connection, let alone process, sees it."""
    url = settings.database_url
    if url.startswith("sqlite") and database_path(url) == ":memory:":
        return None
    return ReadingProcess(settings)


async def read(session: AsyncSession, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`work(session, ...)` in the reading process when the app has one, else on the request's
    session. `work` and its arguments go there by pickle: a function of a module, plain values."""
    process: ReadingProcess | None = session.info.get(READING_KEY)
    if process is None:
        return await work(session, *args, **kwargs)
    # The request's transaction may hold SQLite's one connection and its write lock, or a
    # PostgreSQL connection of the pool: end it, or they would be held for the whole read.
    await release_before_waiting(session)
    return await process.run(work, *args, **kwargs)


# In the reading process.


class _Reader:
    def __init__(self, settings: Settings) -> None:
        self.loop = asyncio.new_event_loop()
        self.engine = create_reading_engine(settings.database_url)
        self.sessionmaker = async_sessionmaker(
            self.engine, expire_on_commit=False, autoflush=False, info={SETTINGS_KEY: settings}
        )

    async def read(self, work: Callable[..., Awaitable[T]], args: Any, kwargs: Any) -> T:
        # One transaction from the first statement (the session begins it) to the close, which
        # rolls it back: nothing was written. A read may end it sooner, before slow work that
        # needs no more rows (release_before_waiting).
        async with self.sessionmaker() as session:
            return await work(session, *args, **kwargs)

    def close(self) -> None:
        self.loop.run_until_complete(self.engine.dispose())
        self.loop.close()


_reader: _Reader | None = None


def _open(settings: Settings) -> None:
    global _reader
    _reader = _Reader(settings)
    atexit.register(_reader.close)
    _end_with_parent()


def _end_with_parent() -> None:
    """Exits when the desk's process is gone, even killed: a pool's process only ever waits for
    its next call, and would otherwise live on, its connection open, after every crash."""
    parent = multiprocessing.parent_process()
    if parent is None:  # pragma: no cover  (always started by the desk's process)
        return
    sentinel = parent.sentinel

    def watch() -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="frontdesk-reading-parent", daemon=True).start()


def _ready() -> bool:
    return _reader is not None


def _run(work: Callable[..., Awaitable[T]], args: Any, kwargs: Any) -> T:
    if _reader is None:  # pragma: no cover  (the pool's initializer runs first)
        raise RuntimeError("the reading process was not opened")
    try:
        return _reader.loop.run_until_complete(_reader.read(work, args, kwargs))
    except FrontdeskError:
        raise
    except Exception as exc:
        # As the desk's own requests answer it (a 503: try again), not as a failure of ours.
        if database_unreachable(exc):
            raise DatabaseUnavailable() from None
        try:
            pickle.dumps(exc)
        except Exception:
            # A driver's error that cannot cross to the desk's process: its words still can.
            raise RuntimeError(f"{type(exc).__name__}: {exc}") from None
        raise
