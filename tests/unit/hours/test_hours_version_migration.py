"""Migration 0100 on both stores: `business_hours.version` comes with 0 on the rows already
there (nothing kept a calendar of them yet), and goes again."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from frontdesk.db.migrate import downgrade, upgrade
from tests.conftest import Desk
from tests.unit.test_migrations import schema_diff

BEFORE = "0099"
THIS = "0100"
WEEK = [{"day": "mon", "opens": "09:00", "closes": "17:00"}]


async def _versions(url: str) -> list[tuple[int, int]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT inbox_id, version FROM business_hours"))
            return sorted((row[0], row[1]) for row in rows)
    finally:
        await engine.dispose()


async def test_existing_hours_start_at_version_0(
    app: FastAPI, database_url: str, desk: Desk
) -> None:
    owner = await desk.agent(role="owner")
    inbox = await desk.inbox(members=[owner])
    for _ in range(2):
        saved = await owner.client.put(
            f"/api/v1/inboxes/{inbox['id']}/hours",
            json={"enabled": True, "time_zone": "UTC", "weekly": WEEK},
        )
        assert saved.status_code == 200, saved.text
    assert await _versions(database_url) == [(inbox["id"], 2)]  # one more at every save
    await app.state.engine.dispose()
    try:
        await asyncio.to_thread(downgrade, database_url, BEFORE)
        await asyncio.to_thread(upgrade, database_url, THIS)
        assert await _versions(database_url) == [(inbox["id"], 0)]
        await asyncio.to_thread(downgrade, database_url, BEFORE)
        await asyncio.to_thread(upgrade, database_url)
        assert await schema_diff(database_url) == []
    finally:
        await asyncio.to_thread(upgrade, database_url)
