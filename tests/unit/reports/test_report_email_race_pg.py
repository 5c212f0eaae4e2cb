"""Two processes' rounds find the same report email due at the same moment, on PostgreSQL: one
email (report_emails/sending.py: the claim is a guarded UPDATE of the due time, after the
figures are read)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.db.reading import read
from frontdesk.db.session import unit_of_work
from frontdesk.mail.models import OutboxMessage
from frontdesk.report_emails import sending
from tests.clock import FrozenClock
from tests.conftest import POSTGRESQL_ONLY, Desk

pytestmark = POSTGRESQL_ONLY


async def test_two_rounds_at_once_send_one_email(
    app: FastAPI, settings: Settings, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    FrozenClock(monkeypatch, datetime(2026, 11, 10, 12, tzinfo=UTC))
    ada = await desk.agent()
    answer = await ada.client.post(
        "/api/v1/reports/subscriptions", json={"frequency": "daily", "time_zone": "UTC"}
    )
    assert answer.status_code == 201, answer.text

    # Both rounds have read the figures (the subscription was due for both) before either
    # claims it: the race, every time, without waiting on a clock.
    arrived = 0
    both = asyncio.Event()

    async def read_then_wait(*args: Any, **kwargs: Any) -> Any:
        nonlocal arrived
        found = await read(*args, **kwargs)  # the real one
        arrived += 1
        if arrived == 2:
            both.set()
        await both.wait()
        return found

    monkeypatch.setattr("frontdesk.report_emails.sending.read", read_then_wait)
    other = create_app(settings, run_loops=False)
    due = datetime(2026, 11, 11, 8, tzinfo=UTC)
    async with other.router.lifespan_context(other):
        done = await asyncio.gather(
            sending.send_due(app.state.sessionmaker, now=due),
            sending.send_due(other.state.sessionmaker, now=due),
        )
    assert arrived == 2
    assert sorted(done) == [0, 1]
    async with unit_of_work(app.state.sessionmaker) as session:
        sent = (await session.scalars(select(OutboxMessage))).all()
    assert [mail.recipients for mail in sent] == [[ada.user["email"]]]
