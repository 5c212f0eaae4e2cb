"""Engine, session factory and `unit_of_work`: the one place a transaction is committed.

Services never commit. They queue side effects (realtime envelopes, wake-ups) with `after_commit`;
those run only once the transaction is durable and are dropped on rollback.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, NamedTuple

import asyncpg
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.pool import ConnectionPoolEntry

from frontdesk.db.sqlite import (
    LOG_LIMIT_BYTES,
    InlineConnection,
    database_path,
    inline_creator,
)
from frontdesk.errors import FrontdeskError
from frontdesk.search.schema import register_sqlite_fold

AfterCommit = Callable[[], Awaitable[None]]
BeforeCommit = Callable[[AsyncSession], Awaitable[None]]
_HOOKS = "after_commit"
_AT_COMMIT = "add_at_commit"
# Set by the app on the sessionmaker (create_app): work that must happen inside every
# transaction just before it commits, such as automation rules answering what it changed.
BEFORE_COMMIT_KEY = "before_commit"
# PostgreSQL's SQLSTATE classes of failures that pass: connection exception (08), transaction
# rollback such as a deadlock or serialization failure (40), insufficient resources (53),
# operator intervention such as a shutdown or a statement timeout (57), system error (58).
_PASSING_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "57", "58"})
_LOCK_NOT_AVAILABLE = "55P03"
# A PostgreSQL connection back in the pool for less than this many seconds is used without
# asking the server first. The ask (SQLAlchemy's pre-ping) is three round trips through its
# asyncpg adapter (BEGIN, an empty statement, ROLLBACK), and a busy process would pay it on
# every transaction. What it is for is a connection dropped while it sat idle (a firewall, the
# server's idle_session_timeout); a connection used seconds ago is alive unless the server
# restarted, and then the first failure makes SQLAlchemy replace every older connection of the
# pool, so each process loses about one transaction (answered 503: try again) to a restart.
PING_AFTER_IDLE = 5.0


def create_engine(
    database_url: str,
    *,
    pool_size: int = 20,
    background_checkpoints: bool = False,
    ping_after_idle: float = PING_AFTER_IDLE,
) -> AsyncEngine:
    """`background_checkpoints`: SQLite leaves checkpoints to a `Checkpointer` thread that the
    caller runs (the server does), instead of running them inside commits."""
    if database_url.startswith("sqlite"):
        engine = create_async_engine(
            database_url,
            async_creator=inline_creator(database_path(database_url)),
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
        if background_checkpoints:
            event.listen(engine.sync_engine, "connect", _no_autocheckpoint)
        return engine
    engine = create_async_engine(database_url, pool_size=pool_size, max_overflow=pool_size)
    _ping_when_idle(engine, ping_after_idle)
    return engine


def create_reading_engine(database_url: str) -> AsyncEngine:
    """One connection that only reads (db/reading.py): on SQLite opened read-only, each
    transaction a plain BEGIN (a read snapshot, no write lock); on PostgreSQL each transaction
    READ ONLY and REPEATABLE READ, so that all the statements of a read see one state."""
    if database_url.startswith("sqlite"):
        engine = create_async_engine(
            database_url,
            async_creator=inline_creator(database_path(database_url), read_only=True),
            pool_size=1,
            max_overflow=0,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_reading)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_deferred)
        return engine
    engine = create_async_engine(
        database_url,
        pool_size=1,
        max_overflow=0,
        isolation_level="REPEATABLE READ",
        execution_options={"postgresql_readonly": True},
    )
    _ping_when_idle(engine, PING_AFTER_IDLE)
    return engine


def _ping_when_idle(engine: AsyncEngine, seconds: float) -> None:
    """Checks a pooled connection with the server when it has been idle `seconds` or more, and
    replaces it when the server does not answer (the pool retries with a new connection)."""
    dialect = engine.dialect

    def checked_in(_dbapi_connection: DBAPIConnection | None, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    def checked_out(
        dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry, _proxy: Any
    ) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise sa_exc.DisconnectionError(f"a pooled connection did not answer: {exc}") from exc

    event.listen(engine.sync_engine, "checkin", checked_in)
    event.listen(engine.sync_engine, "checkout", checked_out)


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # pysqlite's own transaction handling is turned off so that BEGIN IMMEDIATE below takes the
    # write lock up front: without it two writers deadlock on lock upgrade instead of queueing.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Deleted and overwritten content is zeroed in the file, not left in free space where a copy
    # of the file would still show it: an erased customer must be gone (docs/privacy.md).
    cursor.execute("PRAGMA secure_delete=ON")
    # A write statement that may fail halfway (a trigger, a UNIQUE column) keeps the pages it
    # changes so that it can be undone alone; past 64 KiB SQLite spills them to a temporary file,
    # created and removed within the transaction. In memory instead: those file operations wait
    # behind the disk's journal on the event loop's thread (the chat p99's tail on ext4,
    # docs/performance.md), and a removed file leaves the pages' bytes, customers' text among
    # them, in the disk's free blocks, where secure_delete does not reach.
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()
    # The search indexes' triggers call it (search/schema.py).
    register_sqlite_fold(dbapi_connection)


def _no_autocheckpoint(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    # When the log starts again after a burst that grew it past the checkpointer's limit, the
    # first commit cuts the file back to that size: the disk space comes back.
    cursor.execute(f"PRAGMA journal_size_limit={LOG_LIMIT_BYTES}")
    cursor.close()


def _sqlite_reading(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    dbapi_connection.isolation_level = None  # BEGIN is ours (below), as for the writer
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    # Sorts and temporary indexes of a big read stay off the disk, as the writer's do.
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _sqlite_begin_deferred(connection: Any) -> None:
    connection.connection.driver_connection.sqlite.execute("BEGIN")


def _sqlite_begin_immediate(connection: Any) -> None:
    driver = connection.connection.driver_connection
    if isinstance(driver, InlineConnection):
        # Straight to sqlite3: a statement through SQLAlchemy costs more than the BEGIN itself.
        driver.sqlite.execute("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_sessionmaker(
    engine: AsyncEngine, *, info: dict[str, Any] | None = None
) -> async_sessionmaker[AsyncSession]:
    """`info` (settings, broker) is copied into every session; see db/context.py."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True, info=info or {})


def after_commit(session: AsyncSession, hook: AfterCommit) -> None:
    session.info.setdefault(_HOOKS, []).append(hook)


def add_at_commit(session: AsyncSession, *rows: object) -> None:
    """ORM rows inserted by the commit's own flush instead of the next one: rows whose insert
    locks rows that many transactions share (a metric moment's triggers upsert the roll-ups of
    its inbox's quarter hour and day). PostgreSQL holds such a lock until the transaction ends,
    so a row inserted early makes every concurrent transaction that needs it wait for all the
    work that follows; inserted last, it is held for the commit alone."""
    if session.sync_session.get_transaction() is None:
        # The rows belong to a transaction, whose end drops them if it does not commit: begun
        # here if nothing began it yet (no I/O: the connection is taken on the first statement).
        session.sync_session.begin()
    session.info.setdefault(_AT_COMMIT, []).extend(rows)


def add_waiting_rows(session: AsyncSession | Session) -> None:
    """Adds the rows waiting for the commit (`add_at_commit`) to the session now, for a
    statement that must see them."""
    session.add_all(session.info.pop(_AT_COMMIT, []))


# On every session, however it commits (unit_of_work, or a test or script calling commit()):
# the commit's flush inserts the waiting rows, and a rollback of the whole transaction drops
# them (a savepoint's rollback drops its own with `drop_hooks_since`).
@event.listens_for(Session, "before_commit")
def _add_at_commit(session: Session) -> None:
    if not session.in_nested_transaction():  # also sent when a savepoint is released
        add_waiting_rows(session)


@event.listens_for(Session, "after_transaction_end")
def _drop_at_rollback(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_AT_COMMIT, None)


class HooksMark(NamedTuple):
    hooks: int
    rows: int


def hooks_mark(session: AsyncSession) -> HooksMark:
    """How many after-commit hooks and rows for the commit are waiting: taken before a
    savepoint, so that what the savepoint recorded can be dropped with it (`drop_hooks_since`)."""
    return HooksMark(len(session.info.get(_HOOKS, [])), len(session.info.get(_AT_COMMIT, [])))


def drop_hooks_since(session: AsyncSession, mark: HooksMark) -> None:
    del session.info.setdefault(_HOOKS, [])[mark.hooks :]
    del session.info.setdefault(_AT_COMMIT, [])[mark.rows :]


@asynccontextmanager
async def unit_of_work(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session, _committed(session):
        yield session


Batch = Callable[[AsyncSession], Awaitable[tuple[int, bool]]]


async def in_batches(
    sessionmaker: async_sessionmaker[AsyncSession], batch: Batch, *, batches: int
) -> int:
    """A timer's backlog worked off in short transactions: `batch` (how many things it did, and
    whether more wait) runs up to `batches` times, a transaction each, while more wait; how many
    things they did. On SQLite every request of the process waits for the one connection while
    a transaction runs: so for one batch at most, never for the whole round."""
    done = 0
    for _ in range(batches):
        async with unit_of_work(sessionmaker) as session:
            did, more = await batch(session)
        done += did
        if not more:
            break
    return done


class ReusedSession:
    """One session for transaction after transaction, for a task that runs them one at a time and
    hundreds a second: the realtime message writer.

    A session made for each transaction is cyclic garbage once closed (the session, its event
    dispatch, its connection's: 45 objects), which only the cycle collector frees. At 2,000
    messages a second that was a young collection every half second, stopping the event loop
    for 4-8 ms, and a middle one every few seconds, for 7-50 ms, with every message in flight
    waiting (docs/performance.md). A session used again leaves nothing to collect, and costs
    less to begin.

    Between transactions it is closed, so that no row read in one is trusted in the next
    (expire_on_commit is off), and its `info` is what the sessionmaker gave it again, so that
    nothing cached for one transaction (the driver's connection, SLA policies) outlives it."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._session = sessionmaker()
        self._info = dict(self._session.info)

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        session = self._session
        try:
            async with _committed(session):
                yield session
        finally:
            try:
                await session.close()
            finally:
                session.info.clear()
                session.info.update(self._info)


@asynccontextmanager
async def _committed(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Commits what the block did, then runs the after-commit hooks. An error rolls back, unless
    it is a FrontdeskError that keeps the changes: those are committed, then it is raised."""
    try:
        yield session
        await _commit(session)
    except FrontdeskError as exc:
        if not exc.keep_changes:
            await _rollback(session)
            raise
        await _commit(session)
        await run_after_commit(session)
        raise
    except BaseException:
        await _rollback(session)
        raise
    await run_after_commit(session)


async def _commit(session: AsyncSession) -> None:
    await run_before_commit(session)
    await session.commit()


async def _rollback(session: AsyncSession) -> None:
    await session.rollback()
    session.info.pop(_HOOKS, None)


async def release_before_waiting(session: AsyncSession) -> None:
    """Ends the request's transaction early, before it waits on something slow outside (an HTTP
    call). On SQLite every transaction holds the one connection and the write lock, so keeping it
    across the wait would stall the whole process. Later use of the session starts a new
    transaction, which `unit_of_work` still commits or rolls back as usual."""
    await _commit(session)
    await run_after_commit(session)


async def run_before_commit(session: AsyncSession) -> None:
    hooks: tuple[BeforeCommit, ...] = session.info.get(BEFORE_COMMIT_KEY, ())
    for hook in hooks:
        await hook(session)


async def run_after_commit(session: AsyncSession) -> None:
    hooks: list[AfterCommit] = session.info.pop(_HOOKS, [])
    for hook in hooks:
        await hook()


def temporary_failure(exc: BaseException) -> bool:
    """Whether the error says the database cannot be used for now (down, busy, locked, stopping),
    rather than that the work itself is at fault: the same work may succeed in a moment. Broad,
    for work that is retried anyway (an SQLite error of any kind counts)."""
    if isinstance(
        exc,
        OSError | sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError,
    ):
        return True
    return database_unreachable(exc)


def database_unreachable(exc: BaseException) -> bool:
    """Whether the database could not do any work just now (its connection lost, every connection
    busy, a restart, a deadlock, its lock held), told apart from errors of the work itself. Also
    for asyncpg's own errors, which the hot paths' direct statements raise (db/postgres.py), and
    for the errors SQLAlchemy's asyncpg adapter raises from them (their cause says)."""
    cause: BaseException | None = exc
    for _ in range(4):
        if cause is None:
            return False
        if _unreachable(cause):
            return True
        cause = cause.__cause__
    return False


def _unreachable(exc: BaseException) -> bool:
    if isinstance(exc, sa_exc.TimeoutError | ConnectionError | asyncpg.ConnectionDoesNotExistError):
        return True
    if isinstance(exc, asyncpg.PostgresError):
        return _passing(exc.sqlstate)
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return _passing(sqlstate)
    return isinstance(exc, sa_exc.OperationalError) and "database is locked" in str(exc.orig)


def _passing(sqlstate: str) -> bool:
    return sqlstate[:2] in _PASSING_SQLSTATE_CLASSES or sqlstate == _LOCK_NOT_AVAILABLE
