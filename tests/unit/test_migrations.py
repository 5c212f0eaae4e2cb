"""The schema is built only by Alembic: the migrated database must match the models exactly, on
SQLite and PostgreSQL alike, and the migrations must run down and up again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

import frontdesk.db.models  # noqa: F401  (registers every table)
from frontdesk.db.base import Base
from frontdesk.db.migrate import downgrade, upgrade
from frontdesk.db.session import create_engine
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
    """All the way down and up again, the schema as the models give it at the end. On the way
    up, at 0005, labels that the old check let through: before 0006 SQLite let "Été" and "été"
    both in; upgrading keeps both, with distinct keys, so the unique key can be built and
    neither label is lost. (One climb for both: each climb from the bottom is most of this
    file's time.)"""
    await asyncio.to_thread(downgrade, database_url, "base")
    await asyncio.to_thread(upgrade, database_url, "0005")
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
    assert await schema_diff(database_url) == []


async def test_spam_counted_goes_down_as_closed(database_url: str) -> None:
    """Below 0071 the folder counts know no spam: what they counted as spam is closed."""
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO ticket_counts (inbox_id, state, assignee_id, n)"
                    " VALUES (1, 'spam', 0, 2), (1, 'closed', 0, 5)"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO ticket_count_deltas (inbox_id, state, assignee_id, n)"
                    " VALUES (1, 'spam', 0, 1)"
                )
            )
        await asyncio.to_thread(downgrade, database_url, "0070")
        async with engine.connect() as connection:
            counted: dict[str, int] = {}
            rows = await connection.execute(
                text(
                    "SELECT state, n FROM ticket_counts"
                    " UNION ALL SELECT state, n FROM ticket_count_deltas"
                )
            )
            for state, n in rows:
                counted[state] = counted.get(state, 0) + n
    finally:
        await engine.dispose()
        # Back to the head: the worker's PostgreSQL database is the next tests' too.
        await asyncio.to_thread(upgrade, database_url)
    assert counted == {"closed": 8}


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


async def test_a_breach_recorded_twice_before_0055_stays_once(database_url: str) -> None:
    """Before 0055 a policy change after a breach recorded the target again at its new due time:
    the upgrade keeps the first of those, fills in when each running target began, and leaves the
    next-response alerts it cannot place (which customer message?) as they were."""
    await asyncio.to_thread(downgrade, database_url, "0054")
    engine = create_engine(database_url)  # with SQLite's search functions, which triggers call
    rows = [
        "INSERT INTO inboxes (id, name, public_key, unanswered_timeout_seconds, allowed_origins,"
        " require_identity, messenger_settings, created_at, updated_at) VALUES (1, 'Paris',"
        " 'pk', 120, '[]', false, '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        "INSERT INTO customers (id, name, attributes, notes, verified, created_at, updated_at)"
        " VALUES (1, 'Cora', '{}', '', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        "INSERT INTO tickets (id, number, inbox_id, customer_id, subject, type, state,"
        " created_at, updated_at) VALUES (1, 1, 1, 1, 'Order', 'email', 'open',"
        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        "INSERT INTO conversation_clocks (ticket_id, inbox_id, channel, started_at,"
        " awaiting_since, first_response_at) VALUES (1, 1, 'email', '2026-06-01 10:00:00',"
        " '2026-06-01 13:00:00', '2026-06-01 12:40:00')",
        "INSERT INTO ticket_slas (ticket_id, next_response_due, resolution_due) VALUES"
        " (1, '2026-06-01 13:30:00', '2026-06-02 10:00:00')",
    ]
    alerts = [
        {
            "id": n,
            "target": target,
            "kind": kind,
            "due": datetime(2026, 6, 1, hour, minute, tzinfo=UTC),
        }
        for n, target, kind, hour, minute in (
            (1, "first_response", "warning", 11, 45),
            (2, "first_response", "breach", 12, 0),
            (3, "first_response", "breach", 11, 0),
            (4, "next_response", "breach", 9, 0),
            (5, "next_response", "breach", 9, 30),
        )
    ]
    try:
        async with engine.begin() as connection:
            for row in rows:
                await connection.execute(text(row))
            await connection.execute(
                text(
                    "INSERT INTO sla_alerts (id, ticket_id, inbox_id, target, kind, due_at,"
                    " created_at) VALUES (:id, 1, 1, :target, :kind, :due, CURRENT_TIMESTAMP)"
                ),
                alerts,
            )
        await asyncio.to_thread(upgrade, database_url)
        async with engine.connect() as connection:
            kept = (
                await connection.execute(
                    text("SELECT id, since IS NOT NULL FROM sla_alerts ORDER BY id")
                )
            ).all()
            starts = (
                await connection.execute(
                    text(
                        "SELECT first_response_since IS NULL, next_response_since = "
                        "(SELECT awaiting_since FROM conversation_clocks), resolution_since = "
                        "(SELECT started_at FROM conversation_clocks) FROM ticket_slas"
                    )
                )
            ).one()
    finally:
        await engine.dispose()
    assert [tuple(row) for row in kept] == [(1, True), (2, True), (4, False), (5, False)]
    assert tuple(starts) == (True, True, True)


async def test_reply_not_sent_notifications_come_and_go_with_0069(database_url: str) -> None:
    """0069 lets `notifications.kind` take `reply_not_sent` (SQLite: the table rebuilt, its ids
    still never given twice); going down deletes those notifications and their queued pushes,
    keeps the others, and the kind is refused again."""
    engine = create_async_engine(database_url)
    kind = "reply_not_sent"
    notification = text(
        "INSERT INTO notifications (user_id, kind, params, in_app, created_at) VALUES"
        " (1, :kind, '{}', true, CURRENT_TIMESTAMP) RETURNING id"
    )
    try:
        async with engine.begin() as connection:
            for row in (
                "INSERT INTO users (id, email, name, role, is_active, available_for_chat,"
                " max_concurrent_chats, preferences, created_at, updated_at) VALUES (1,"
                " 'ada@example.org', 'Ada', 'agent', true, false, 3, '{}', CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP)",
                "INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, created_at)"
                " VALUES (1, 1, 'https://push.example.org/1', 'k', 'a', CURRENT_TIMESTAMP)",
            ):
                await connection.execute(text(row))
            await connection.execute(notification, {"kind": "assigned"})
            told = (await connection.execute(notification, {"kind": kind})).scalar_one()
            await connection.execute(
                text(
                    "INSERT INTO push_deliveries (subscription_id, notification_id, state,"
                    " attempts, next_attempt_at, created_at) VALUES (1, :told, 'queued', 0,"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"told": told},
            )
        await asyncio.to_thread(downgrade, database_url, "0068")
        async with engine.connect() as connection:
            kinds = (await connection.execute(text("SELECT kind FROM notifications"))).all()
            pushes = await connection.scalar(text("SELECT count(*) FROM push_deliveries"))
        assert [row[0] for row in kinds] == ["assigned"]
        assert pushes == 0
        with pytest.raises(IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(notification, {"kind": kind})
        await asyncio.to_thread(upgrade, database_url)
        async with engine.begin() as connection:
            newest = (await connection.execute(notification, {"kind": kind})).scalar_one()
    finally:
        await engine.dispose()
    # The deleted notification's id is not given again (SQLite's AUTOINCREMENT and its sequence
    # survive both rebuilds; PostgreSQL's sequence never goes back).
    assert newest > told
