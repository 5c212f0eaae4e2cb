"""Helpers shared by the HTTP tests: cheap password hashing, the error shape, row counts, the
work of SQLite's virtual machine."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import asyncpg
import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import ColumnElement, event, func, select

from frontdesk.db.sqlite import InlineConnection
from frontdesk.kit import passwords
from tests import conftest

# The production parameters cost ~0.3 s per hash and per login; the HTTP tests log in a few
# users each, on two databases, so they hash with the cheapest parameters argon2 accepts.
_CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
_CHEAP_TEST_PASSWORD_HASH = _CHEAP.hash(conftest.PASSWORD)


def use_cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", _CHEAP)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", _CHEAP.hash("frontdesk-no-such-account"))
    # Desk.user stores one precomputed hash; a cheap one makes each login's verify cheap too.
    monkeypatch.setattr(conftest, "password_hash", lambda: _CHEAP_TEST_PASSWORD_HASH, raising=False)


def error_of(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """Asserts the one JSON error shape with a message a person can read; returns the error."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert set(error) <= {"code", "message", "fields"}, error
    assert isinstance(error["message"], str)
    assert len(error["message"]) > 5, error
    if code is not None:
        assert error["code"] == code, error
    return error


def fields_of(error: dict[str, Any]) -> set[str]:
    return {item["field"] for item in error.get("fields", [])}


async def count_rows(app: FastAPI, model: Any, *where: ColumnElement[bool]) -> int:
    async with app.state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def new_ticket(
    client: httpx.AsyncClient,
    inbox: dict[str, Any],
    *,
    email: str | None = "customer@example.org",
    subject: str = "Help please",
    **fields: Any,
) -> dict[str, Any]:
    customer = fields.pop("customer", None) or {"email": email, "name": "Cora Customer"}
    response = await client.post(
        "/api/v1/tickets",
        json={"inbox_id": inbox["id"], "customer": customer, "subject": subject, **fields},
    )
    assert response.status_code == 201, response.text
    ticket: dict[str, Any] = response.json()
    return ticket


async def online(agent: Any, available: bool = True) -> None:
    """The agent goes online for chats (or offline), as with Go Online in the desk."""
    response = await agent.client.put("/api/v1/me/availability", json={"available": available})
    assert response.status_code == 200, response.text


async def terminate_backends(pg_url: str, pid: int | None = None) -> None:
    """What a server restart (every connection to the database) or a firewall (one) does."""
    server = await asyncpg.connect(pg_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        ended = await server.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND ($1::int IS NULL OR pid = $1)",
            pid,
        )
        assert ended
        assert all(row[0] for row in ended)
    finally:
        await server.close()


@asynccontextmanager
async def sqlite_steps(app: FastAPI) -> AsyncIterator[list[int]]:
    """Counts, in hundreds, the steps of SQLite's virtual machine on the app's one connection
    while the block runs (in `[0]`, written when it ends): the work of the statements, whatever
    the machine's speed.

    The handler is called on every step: called every hundredth, it counted from each cached
    statement's lifetime total, so a statement of 20 steps counted a hundred or nothing
    depending on what it had run before, and two runs of the same work differed by a few
    hundred steps."""
    steps = [0]
    exact = [0]

    def step() -> int:
        exact[0] += 1
        return 0

    async with app.state.engine.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
    assert isinstance(raw, InlineConnection)
    db: sqlite3.Connection = raw.sqlite
    db.set_progress_handler(step, 1)
    try:
        yield steps
    finally:
        db.set_progress_handler(None, 0)
        steps[0] = exact[0] // 100


@contextmanager
def statements(app: FastAPI) -> Iterator[list[str]]:
    """The SQL the app's engine sends while the block runs (not what the search reader or the
    reading process send: they have engines of their own)."""
    sent: list[str] = []

    def record(*args: Any) -> None:
        sent.append(str(args[2]))

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def verbs(sent: list[str]) -> list[str]:
    """Each statement's first word: SELECT, INSERT …"""
    return [sql.lstrip().split(None, 1)[0].upper() for sql in sent]


def stop_at(
    monkeypatch: pytest.MonkeyPatch, owner: Any, name: str
) -> tuple[asyncio.Event, asyncio.Event]:
    """`owner.name` made to stop when called: the first event says it was reached, and it goes
    on once the second is set."""
    reached, release = asyncio.Event(), asyncio.Event()
    real = getattr(owner, name)

    async def held(*args: Any, **kwargs: Any) -> Any:
        reached.set()
        await release.wait()
        return await real(*args, **kwargs)

    monkeypatch.setattr(owner, name, held)
    return reached, release
