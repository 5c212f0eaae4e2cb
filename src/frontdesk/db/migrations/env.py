"""Alembic environment: async engines for both SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from alembic import context
from sqlalchemy import Connection, event, pool
from sqlalchemy.ext.asyncio import create_async_engine

import frontdesk.db.models  # noqa: F401  (registers every table)
from frontdesk.db.base import Base
from frontdesk.search import schema as search_schema

config = context.config
target_metadata = Base.metadata


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=search_schema.include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def _sqlite_connected(dbapi: Any, _record: object) -> None:
    # The search indexes' triggers call it: a migration that writes a ticket's subject or an
    # entry's text fires them.
    search_schema.register_sqlite_fold(dbapi)
    # As the app's connections do (db/session.py): a migration that rebuilds a table frees the
    # old copy's pages, which must not keep text an erasure later removes from the new one.
    cursor = dbapi.cursor()
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


async def run_async() -> None:
    engine = create_async_engine(
        config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool
    )
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_connected)
    async with engine.connect() as connection:
        await connection.run_sync(run_with)
    await engine.dispose()


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(run_async())
        return
    # Called from async code (tests, tools): migrate on a thread with its own event loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run_async()).result()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
