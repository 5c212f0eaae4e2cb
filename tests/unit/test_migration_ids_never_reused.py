"""Migration 0056 rebuilds SQLite tables with AUTOINCREMENT: every row, index, trigger, foreign
key and CHECK survives it and its downgrade, ids kept by other records are not handed out again,
and the models say the same as the migrations."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import frontdesk.db.models  # noqa: F401  (registers every table)
from frontdesk.config import Settings
from frontdesk.db.base import Base
from frontdesk.db.migrate import downgrade, upgrade
from frontdesk.search import schema as search_schema
from tests.conftest import Desk
from tests.mail.support import INBOUND_TOKEN
from tests.unit.privacy.people import two_customers

BEFORE = "0055"
REBUILD = "0056"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A database the migration never touched: made up to the one before it, on SQLite only (on
    PostgreSQL the migration changes nothing)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'frontdesk.db'}"
    upgrade(url, BEFORE)
    return url


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})


def _path(database_url: str) -> str:
    return database_url.split(":///", 1)[1]


def autoincremented(path: str) -> set[str]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for name, sql in rows if "AUTOINCREMENT" in sql.upper()}


def modelled() -> set[str]:
    return {
        table.name
        for table in Base.metadata.sorted_tables
        if table.dialect_options["sqlite"]["autoincrement"]
    }


def _items(sql: str) -> list[str]:
    """A CREATE TABLE's columns and constraints, without its head (whose name SQLite quotes
    after a rename)."""
    return sql.partition("\n")[2].removesuffix("\n)").split(", \n")


def shape(path: str) -> dict[str, Any]:
    """Everything the rebuild must keep, table by table."""
    with sqlite3.connect(path) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'"
                " AND name NOT LIKE 'search_%' ORDER BY name"
            )
        ]
        return {
            "tables": {
                name: _items(
                    db.execute(
                        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
                    ).fetchone()[0]
                )
                for name in tables
            },
            "columns": {
                name: db.execute(f'PRAGMA table_xinfo("{name}")').fetchall() for name in tables
            },
            "foreign_keys": {
                name: db.execute(f'PRAGMA foreign_key_list("{name}")').fetchall() for name in tables
            },
            "indexes": {
                name: db.execute(f'PRAGMA index_list("{name}")').fetchall() for name in tables
            },
            "schema": db.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master"
                " WHERE type IN ('index', 'trigger', 'view') ORDER BY type, name"
            ).fetchall(),
            "rows": {
                name: sorted(db.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)  # noqa: S608
                for name in tables
                if name != "alembic_version"
            },
            "integrity": db.execute("PRAGMA integrity_check").fetchall(),
            "foreign_key_check": db.execute("PRAGMA foreign_key_check").fetchall(),
        }


def _without_key(items: list[str], table: str) -> list[str]:
    return sorted(
        item
        for item in items
        if not item.startswith("\tid INTEGER")
        and item != f"\tCONSTRAINT pk_{table} PRIMARY KEY (id)"
    )


async def test_the_rebuild_keeps_every_row_index_trigger_and_key_and_goes_back(
    app: FastAPI, database_url: str, http: httpx.AsyncClient, desk: Desk, visitors: Any
) -> None:
    # Rows written by today's app (on today's tables), then taken back to before the rebuild:
    # the migrations after it change the tables the app writes.
    await asyncio.to_thread(upgrade, database_url)
    admin, _inbox, _cora, _boris = await two_customers(http, desk, visitors)
    assert (await admin.client.post("/api/v1/me/tokens", json={"name": "ci"})).status_code == 201
    hook = {"name": "Log", "url": "https://hooks.example.org/in", "events": ["ticket.updated"]}
    assert (await admin.client.post("/api/v1/webhooks", json=hook)).status_code == 201
    tickets = (await admin.client.get("/api/v1/tickets", params={"state": "closed"})).json()
    for ticket in tickets["items"]:
        reopened = await admin.client.patch(
            f"/api/v1/tickets/{ticket['id']}", json={"state": "open"}
        )
        assert reopened.status_code == 200, reopened.text
    await app.state.engine.dispose()
    await asyncio.to_thread(downgrade, database_url, BEFORE)

    path = _path(database_url)
    before = shape(path)
    rebuilt = modelled() - autoincremented(path)
    filled = {name for name, rows in before["rows"].items() if rows}
    # The tables named by the audit that found the harm, at least, hold rows here.
    assert {
        "tickets",
        "ticket_entries",
        "customers",
        "customer_contacts",
        "chats",
        "chat_events",
        "chat_files",
        "visitors",
        "inbound_messages",
        "mail_attachments",
        "outbox",
        "notifications",
        "webhook_subscriptions",
        "webhook_deliveries",
        "api_tokens",
        "sessions",
        "stored_files",
    } <= filled
    assert before["integrity"] == [("ok",)]
    assert before["foreign_key_check"] == []

    await asyncio.to_thread(upgrade, database_url, REBUILD)
    after = shape(path)
    # Tables made by later migrations are not there yet: they are made with AUTOINCREMENT.
    assert autoincremented(path) == modelled() & set(after["tables"])
    for key in ("schema", "rows", "foreign_keys", "columns", "indexes", "integrity"):
        assert after[key] == before[key], key
    assert after["foreign_key_check"] == []
    for table, items in after["tables"].items():
        if table in rebuilt:
            assert f"\tid INTEGER NOT NULL CONSTRAINT pk_{table} PRIMARY KEY AUTOINCREMENT" in items
            assert _without_key(items, table) == _without_key(before["tables"][table], table)
        else:
            assert items == before["tables"][table], table
    with sqlite3.connect(path) as db:
        sequences = dict(db.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    for table in rebuilt & filled:
        assert sequences[table] == max(row[0] for row in before["rows"][table]), table

    await asyncio.to_thread(downgrade, database_url, BEFORE)
    assert shape(path) == before
    assert autoincremented(path) == {"labels", "saved_replies"}


async def test_ids_other_records_kept_are_not_handed_out_again(database_url: str) -> None:
    """An erasure's customer id and an audit entry's ticket id, above every row left when the
    migration runs: the sequences start above them."""
    path = _path(database_url)
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO erasures (kind, at, customer_id, counts)"
            " VALUES ('customer', CURRENT_TIMESTAMP, 40, '{}')"
        )
        db.execute(
            "INSERT INTO audit_events (at, actor_label, actor_kind, action, target_type,"
            " target_id, changes) VALUES (CURRENT_TIMESTAMP, 'system', 'system', 'ticket.moved',"
            " 'ticket', 70, '{}')"
        )
    await asyncio.to_thread(upgrade, database_url)
    with sqlite3.connect(path) as db:
        search_schema.register_sqlite_fold(db)
        db.execute(
            "INSERT INTO customers (name, attributes, notes, verified, created_at, updated_at)"
            " VALUES ('Nina', '{}', '', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
        customer = db.execute("SELECT last_insert_rowid()").fetchone()[0]
        sequences = dict(db.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    assert customer == 41
    assert sequences["tickets"] == 70


def test_the_models_autoincrement_the_tables_the_migrations_do(sqlite_template: Path) -> None:
    """A database made from the models (create_all) gets the same AUTOINCREMENT tables."""
    assert autoincremented(str(sqlite_template)) == modelled()


def test_the_old_copies_leave_no_text_behind(database_url: str) -> None:
    """The dropped tables' pages are zeroed (secure_delete, as every connection of the app):
    text an erasure later deletes from the rebuilt table is not left in the old copy's pages."""
    path = _path(database_url)
    mark = "NOTE-OF-A-CUSTOMER-LATER-ERASED"
    with sqlite3.connect(path) as db:
        search_schema.register_sqlite_fold(db)
        db.execute(
            "INSERT INTO customers (name, attributes, notes, verified, created_at, updated_at)"
            " VALUES ('Victor', '{}', ?, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            (mark,),
        )
    upgrade(database_url)
    with sqlite3.connect(path) as db:
        search_schema.register_sqlite_fold(db)
        db.execute("PRAGMA secure_delete=ON")
        db.execute("DELETE FROM customers")
    assert mark.encode() not in Path(path).read_bytes()
