"""The chat writer keeps the calendars it built (hours/calendar_cache.py) and builds one again
exactly when the inbox's hours were saved since: the next agent message after a change of hours
counts its business seconds in the new hours (docs/performance.md, "The writer's calendars").

The Support inbox is open Monday to Friday from 09:00 London time (UTC+0 in November);
2026-11-16 is a Monday."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.metrics.models import MetricMoment, MomentKind
from tests.clock import FrozenClock
from tests.conftest import Agent, Desk
from tests.unit.reports.business_history import DAYS, SUPPORT, at, ok


def _week(closes: str) -> list[dict[str, str]]:
    return [{"day": day, "opens": "09:00", "closes": closes} for day in DAYS]


async def _set_hours(admin: Agent, inbox: dict[str, Any], **body: Any) -> None:
    body = {"enabled": True, "time_zone": "Europe/London"} | body
    await ok(await admin.client.put(f"/api/v1/inboxes/{inbox['id']}/hours", json=body))


async def _responses(app: FastAPI) -> list[float | None]:
    """The business seconds of the responses recorded, in order."""
    m = MetricMoment
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(
            select(m.business_seconds).where(m.kind == MomentKind.response).order_by(m.id)
        )
        return list(rows)


async def test_the_next_agent_message_counts_in_the_hours_just_saved(
    app: FastAPI, desk: Desk, visitors: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, at(16, 12))
    support = await desk.inbox(name="Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[support], name="Ada")
    olga = await desk.agent(role="owner", inboxes=[support], name="Olga")
    await _set_hours(olga, support, weekly=_week("17:00"))
    await ok(await ada.client.put("/api/v1/me/availability", json={"available": True}))

    clock.set(at(16, 16, 58))  # two minutes before closing
    marie = await visitors(support)
    chat = await marie.start_chat("Still there?")
    clock.set(at(16, 17, 1))
    await ok(await ada.client.post(f"/api/v1/chats/{chat['id']}/join"))
    said = f"/api/v1/chats/{chat['id']}/messages"
    clock.set(at(16, 17, 2))
    await ok(await ada.client.post(said, json={"text": "Yes"}))  # the calendar is built
    assert await _responses(app) == [120.0]

    # Open an hour longer, saved through the API: the next answer counts in the new hours.
    await _set_hours(olga, support, weekly=_week("18:00"))
    written = f"/messenger/v1/chats/{chat['id']}/messages"
    clock.set(at(16, 17, 5))
    await ok(await marie.client.post(written, json={"text": "One more thing"}))
    clock.set(at(16, 17, 7))
    await ok(await ada.client.post(said, json={"text": "Go on"}))
    assert await _responses(app) == [120.0, 120.0]  # 0 in the old hours

    # Turned off: always open, every second counts.
    await _set_hours(olga, support, enabled=False, weekly=_week("18:00"))
    clock.set(at(16, 20, 0))
    await ok(await marie.client.post(written, json={"text": "And another"}))
    clock.set(at(16, 20, 3))
    await ok(await ada.client.post(said, json={"text": "Yes?"}))
    assert await _responses(app) == [120.0, 120.0, 180.0]  # 0 in the 09:00-18:00 hours

    # On again, back to 17:00: nothing after closing counts.
    await _set_hours(olga, support, weekly=_week("17:00"))
    clock.set(at(16, 20, 10))
    await ok(await marie.client.post(written, json={"text": "Last one"}))
    clock.set(at(16, 20, 15))
    await ok(await ada.client.post(said, json={"text": "Sure"}))
    assert await _responses(app) == [120.0, 120.0, 180.0, 0.0]
