"""A database's contents as one file and back: SQLite through its online backup API (consistent
while the server writes), PostgreSQL through its own pg_dump and pg_restore."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url


class OperationError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


def sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise OperationError("an in-memory SQLite database has nothing to back up or restore")
    return Path(database)


@contextlib.contextmanager
def _sqlite(path: Path, *, read_only: bool) -> Iterator[sqlite3.Connection]:
    mode = "ro" if read_only else "rwc"
    connection = sqlite3.connect(f"file:{path}?mode={mode}", uri=True, timeout=30)
    try:
        yield connection
    finally:
        connection.close()


def dump_sqlite(database_url: str, target: Path) -> None:
    """A page-by-page copy made under one read transaction: what was committed when it began,
    whatever the server commits meanwhile (WAL mode lets both go on)."""
    source_path = sqlite_path(database_url)
    if not source_path.is_file():
        raise OperationError(f"the SQLite database {source_path} does not exist")
    with _sqlite(source_path, read_only=True) as source, _sqlite(target, read_only=False) as copy:
        source.backup(copy)
        # One self-contained file: no write-ahead log beside it.
        copy.execute("PRAGMA journal_mode=DELETE").fetchall()


def sqlite_revision(path: Path) -> str | None:
    with _sqlite(path, read_only=True) as connection:
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:
            return None
    return str(row[0]) if row else None


def sqlite_in_use(database_url: str) -> bool:
    """True when the database holds a user: a freshly migrated one is as good as empty."""
    path = sqlite_path(database_url)
    if not path.is_file() or path.stat().st_size == 0:
        return False
    with _sqlite(path, read_only=True) as connection:
        try:
            return connection.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None
        except sqlite3.OperationalError:
            # No users table: an unrelated file is not ours to overwrite without --force.
            tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return bool(tables and tables[0])


def restore_sqlite(database_url: str, copy: Path) -> None:
    """The copy replaces the database file by a rename; the old write-ahead log goes first, or
    SQLite would replay it onto the new file."""
    path = sqlite_path(database_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(path.name + ".restoring")
    shutil.copyfile(copy, staged)
    for suffix in ("-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    os.replace(staged, path)


# --- PostgreSQL ----------------------------------------------------------------------------------


def _pg_environment(database_url: str) -> tuple[URL, dict[str, str]]:
    """libpq's variables for the URL: the password never appears on a command line."""
    url = make_url(database_url)
    environment = dict(os.environ)
    for variable, value in (
        ("PGHOST", url.host),
        ("PGPORT", str(url.port) if url.port else None),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value:
            environment[variable] = value
    ssl = url.query.get("sslmode") or url.query.get("ssl")
    if isinstance(ssl, str):
        environment["PGSSLMODE"] = ssl
    return url, environment


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise OperationError(
            f"{name} not found: install the PostgreSQL client tools (postgresql-client), "
            "of the server's major version or newer"
        )
    return found


def _run(command: list[str], environment: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603  (our own arguments, no shell)
        command, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise OperationError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def dump_postgresql(database_url: str, target: Path) -> None:
    """pg_dump's custom format, one snapshot of the whole database; without owners and grants,
    so it restores into a database owned by another role."""
    _url, environment = _pg_environment(database_url)
    _run(
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"],
        environment,
    )


def restore_postgresql(database_url: str, dump: Path) -> None:
    """Into an emptied schema, in one transaction: all of it or nothing."""
    url, environment = _pg_environment(database_url)
    _run(
        [
            _tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={url.database}",
            str(dump),
        ],
        environment,
    )


def _pg_dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _pg_connect(database_url: str) -> object:
    import asyncpg

    try:
        return await asyncpg.connect(_pg_dsn(database_url), timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        raise OperationError(f"cannot connect to PostgreSQL: {exc}") from None


async def pg_revision(database_url: str) -> str | None:
    connection: Any = await _pg_connect(database_url)
    try:
        if not await connection.fetchval("SELECT to_regclass('alembic_version') IS NOT NULL"):
            return None
        value = await connection.fetchval("SELECT version_num FROM alembic_version")
        return None if value is None else str(value)
    finally:
        await connection.close()


async def pg_in_use(database_url: str) -> bool:
    """True when the schema holds a user, or tables that are not frontdesk's."""
    connection: Any = await _pg_connect(database_url)
    try:
        if await connection.fetchval("SELECT to_regclass('users') IS NOT NULL"):
            return bool(await connection.fetchval("SELECT EXISTS (SELECT 1 FROM users)"))
        return bool(
            await connection.fetchval(
                "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema())"
            )
        )
    finally:
        await connection.close()


# Everything pg_restore will create again: tables (with their sequences, indexes and triggers),
# free sequences, views, enum types and functions (the reports' roll-up trigger function) of the
# current schema; not an extension's functions.
_EMPTY_SCHEMA = """
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT viewname FROM pg_views WHERE schemaname = current_schema() LOOP
    EXECUTE format('DROP VIEW IF EXISTS %I CASCADE', r.viewname);
  END LOOP;
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.tablename);
  END LOOP;
  FOR r IN SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() LOOP
    EXECUTE format('DROP SEQUENCE IF EXISTS %I CASCADE', r.sequencename);
  END LOOP;
  FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname = current_schema() AND t.typtype = 'e' LOOP
    EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = current_schema() AND p.prokind = 'f'
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                             AND d.objid = p.oid AND d.deptype = 'e') LOOP
    EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.signature);
  END LOOP;
END $$;
"""


async def pg_empty_schema(database_url: str) -> None:
    connection: Any = await _pg_connect(database_url)
    try:
        await connection.execute(_EMPTY_SCHEMA)
    finally:
        await connection.close()
