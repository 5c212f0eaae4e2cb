"""The schema is built only by Alembic: the migrated database must match the models exactly, on
SQLite and PostgreSQL alike, and the migrations must run down and up again."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine

import frontdesk.db.models  # noqa: F401  (registers every table)
from frontdesk.db.base import Base
from frontdesk.db.migrate import downgrade, upgrade
from frontdesk.search import schema as search_schema


def differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": search_schema.include_name}
    )
    return list(compare_metadata(context, Base.metadata))


async def schema_diff(url: str) -> list[object]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(differences)
    finally:
        await engine.dispose()


async def test_migrations_build_exactly_the_models(database_url: str) -> None:
    assert await schema_diff(database_url) == []


async def test_migrations_go_down_and_up_again(database_url: str) -> None:
    await asyncio.to_thread(downgrade, database_url, "base")
    await asyncio.to_thread(upgrade, database_url)
    assert await schema_diff(database_url) == []


async def test_labels_the_old_check_let_through_survive_the_upgrade(database_url: str) -> None:
    """Before 0006 SQLite let "Été" and "été" both in; upgrading keeps both, with distinct keys,
    so the unique key can be built and neither label is lost."""
    await asyncio.to_thread(downgrade, database_url, "0005")
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO labels (name, color) VALUES ('Été', '#000'), ('été', '#000')")
            )
        await asyncio.to_thread(upgrade, database_url)
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT name, name_key FROM labels"))).all()
    finally:
        await engine.dispose()
    assert sorted(name for name, _ in rows) == ["Été", "été"]
    assert len({key for _, key in rows}) == 2


async def test_sqlite_indexes_are_folded_afresh(database_url: str) -> None:
    """0053 folds the text SQLite's search indexes hold (ß, ł, ø, Greek accents), rows indexed
    before it included; PostgreSQL's are folded by unaccent and unchanged by it."""
    await asyncio.to_thread(downgrade, database_url, "0052")
    engine = create_async_engine(database_url)
    names = ("Søren Straße", "Ελένη Łukasz")
    try:
        async with engine.begin() as connection:
            for name in names:
                await connection.execute(
                    text(
                        "INSERT INTO customers (name, attributes, notes, verified, created_at,"
                        " updated_at) VALUES (:name, '{}', '', false, CURRENT_TIMESTAMP,"
                        " CURRENT_TIMESTAMP)"
                    ),
                    {"name": name},
                )
        await asyncio.to_thread(upgrade, database_url)
        async with engine.connect() as connection:
            found = {}
            for query in ("soren strasse", "ελενη lukasz"):
                rows = await connection.execute(
                    text(
                        "SELECT name FROM customers WHERE id IN (SELECT rowid FROM"
                        " search_customers WHERE search_customers MATCH :match)"
                    )
                    if engine.dialect.name == "sqlite"
                    else text(
                        "SELECT name FROM customers WHERE search_vector @@"
                        " plainto_tsquery('simple', :match)"
                    ),
                    {"match": query},
                )
                found[query] = rows.scalars().all()
            if engine.dialect.name == "sqlite":
                await connection.execute(
                    text(
                        "INSERT INTO search_customers (search_customers) VALUES ('integrity-check')"
                    )
                )
    finally:
        await engine.dispose()
    assert found == {"soren strasse": [names[0]], "ελενη lukasz": [names[1]]}
