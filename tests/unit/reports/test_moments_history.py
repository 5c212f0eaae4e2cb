"""The migration that created metric moments fills them for what happened before, from the
stored rows: replayed, they are exactly the moments recorded live for the same history."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.db.migrate import downgrade, upgrade
from frontdesk.metrics.models import ConversationClock, MetricMoment
from tests.clock import FrozenClock
from tests.conftest import Desk
from tests.unit.reports.history import START, build


async def _recorded(app: FastAPI) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    m, c = MetricMoment, ConversationClock
    async with app.state.sessionmaker() as session:
        moments = sorted(
            (
                tuple(row)
                for row in await session.execute(
                    select(m.kind, m.at, m.quarter, m.inbox_id, m.channel, m.ticket_id).add_columns(
                        m.chat_id, m.user_id, m.seconds, m.business_seconds
                    )
                )
            ),
            key=repr,
        )
        clocks = sorted(
            (
                tuple(row)
                for row in await session.execute(
                    select(c.chat_id, c.ticket_id, c.channel, c.started_at).add_columns(
                        c.awaiting_since, c.first_response_at
                    )
                )
            ),
            key=repr,
        )
    return moments, clocks


async def test_the_upgrade_replays_the_same_moments_as_were_recorded(
    app: FastAPI,
    database_url: str,
    desk: Desk,
    visitors: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await build(app, desk, visitors, FrozenClock(monkeypatch, START))
    live = await _recorded(app)
    assert len(live[0]) > 20
    await app.state.engine.dispose()

    await asyncio.to_thread(downgrade, database_url, "0018")
    await asyncio.to_thread(upgrade, database_url)

    assert await _recorded(app) == live
