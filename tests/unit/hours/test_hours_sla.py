"""A change of business hours moves the SLA due times of the inbox's open tickets
(docs/routing.md, "When the hours change"): a holiday added, the hours turned off and on again; a
breach already recorded stays, and a moved due time has its own warning; an inbox with many open
tickets is refreshed by the loop, the tickets due first by the request itself."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.config import Settings
from frontdesk.hours import sla_refresh
from frontdesk.hours.timers import refresh_slas
from frontdesk.sla.models import AlertKind, SlaAlert
from frontdesk.tickets.models import Counter
from tests.clock import FrozenClock
from tests.conftest import Agent, Desk
from tests.mail.support import INBOUND_TOKEN
from tests.unit.sla.support import customer_writes, ok, policy, ticket, timer_round
from tests.unit.support import count_rows

BILLING = "billing@shop.test"
WEEKDAYS = [
    {"day": day, "opens": "09:00", "closes": "17:00"} for day in ("mon", "tue", "wed", "thu", "fri")
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def due(shown: dict[str, Any]) -> datetime | None:
    text = shown["sla_due_at"]
    return datetime.fromisoformat(text) if text is not None else None


async def billing_hours(
    admin: Agent, inbox: dict[str, Any], *, holidays: tuple[str, ...] = (), enabled: bool = True
) -> None:
    body = {
        "enabled": enabled,
        "time_zone": "UTC",
        "weekly": WEEKDAYS,
        "holidays": [{"date": day, "name": "Closed"} for day in holidays],
    }
    await ok(await admin.client.put(f"/api/v1/inboxes/{inbox['id']}/hours", json=body))


async def breaches(app: FastAPI, ticket_id: int) -> int:
    return await count_rows(
        app, SlaAlert, SlaAlert.ticket_id == ticket_id, SlaAlert.kind == AlertKind.breach
    )


async def test_a_holiday_or_hours_turned_off_move_the_due_time_of_open_tickets(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = await desk.inbox(name="Billing", email_address=BILLING)
    admin = await desk.agent(role="owner", inboxes=[inbox])
    await billing_hours(admin, inbox)
    await policy(admin, first_response_minutes=60)
    FrozenClock(monkeypatch, utc(4, 18))  # Friday evening, closed
    ticket_id = await customer_writes(admin, BILLING)
    assert due(await ticket(admin, ticket_id)) == utc(7, 10)  # Monday's first hour

    # Monday declared closed: the hour runs on Tuesday.
    await billing_hours(admin, inbox, holidays=("2026-12-07",))
    shown = await ticket(admin, ticket_id)
    assert due(shown) == utc(8, 10)
    assert [t["due_at"] for t in shown["sla"]["targets"]] == ["2026-12-08T10:00:00Z"]

    # Off: always open, so the hour ran from the mail, in calendar time.
    await billing_hours(admin, inbox, holidays=("2026-12-07",), enabled=False)
    assert due(await ticket(admin, ticket_id)) == utc(4, 19)

    # On again: Tuesday again.
    await billing_hours(admin, inbox, holidays=("2026-12-07",))
    assert due(await ticket(admin, ticket_id)) == utc(8, 10)
    assert await breaches(app, ticket_id) == 0


async def test_a_breach_recorded_stays_and_the_moved_due_time_is_warned_of_again(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = await desk.inbox(name="Billing", email_address=BILLING)
    admin = await desk.agent(role="owner", inboxes=[inbox])
    await billing_hours(admin, inbox)
    await policy(admin, first_response_minutes=60)
    clock = FrozenClock(monkeypatch, utc(4, 18))
    ticket_id = await customer_writes(admin, BILLING)
    clock.set(utc(7, 9, 45))
    assert await timer_round(app) == 1  # the warning, for Monday 10:00
    # Past due, before any timer round: the change itself records the breach of the due time
    # that passed, and only then moves it.
    clock.set(utc(7, 10, 5))
    await billing_hours(admin, inbox, holidays=("2026-12-07",))
    shown = await ticket(admin, ticket_id)
    assert due(shown) == utc(8, 10)
    assert [t["breached"] for t in shown["sla"]["targets"]] == [False]
    assert await breaches(app, ticket_id) == 1
    async with app.state.sessionmaker() as session:
        breached_at = await session.scalar(
            select(SlaAlert.due_at).where(
                SlaAlert.ticket_id == ticket_id, SlaAlert.kind == AlertKind.breach
            )
        )
    assert breached_at == utc(7, 10)  # the due time of its moment

    # Tuesday: a warning for the new due time, and no second breach of the same target.
    clock.set(utc(8, 9, 45))
    assert await timer_round(app) == 1
    clock.set(utc(8, 10, 1))
    assert await timer_round(app) == 0
    assert await breaches(app, ticket_id) == 1
    assert await count_rows(app, SlaAlert, SlaAlert.ticket_id == ticket_id) == 3


async def test_a_large_inbox_is_refreshed_in_batches_the_tickets_due_first_at_once(
    app: FastAPI, settings: Settings, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sla_refresh, "REQUEST_BATCH", 2)
    monkeypatch.setattr(sla_refresh, "BATCH", 2)
    inbox = await desk.inbox(name="Billing", email_address=BILLING)
    admin = await desk.agent(role="owner", inboxes=[inbox])
    await billing_hours(admin, inbox)
    await policy(admin, name="Urgent", priority="urgent", first_response_minutes=5)
    await policy(admin, first_response_minutes=60)
    clock = FrozenClock(monkeypatch, utc(7, 9))  # Monday, open
    ids = []
    for n in range(5):
        ids.append(await customer_writes(admin, BILLING, subject=f"Invoice {n}"))
        clock.advance(minutes=10)
    # The last one is urgent: due first, though written last.
    await ok(await admin.client.patch(f"/api/v1/tickets/{ids[4]}", json={"priority": "urgent"}))
    before = [due(await ticket(admin, ticket_id)) for ticket_id in ids]
    assert before == [utc(7, 10), utc(7, 10, 10), utc(7, 10, 20), utc(7, 10, 30), utc(7, 9, 45)]

    clock.set(utc(7, 9, 44))
    await billing_hours(admin, inbox, holidays=("2026-12-07",))  # today, after all
    after = [due(await ticket(admin, ticket_id)) for ticket_id in ids]
    # The two due first were refreshed by the request; the others wait for the loop.
    assert after == [utc(8, 10), *before[1:4], utc(8, 9, 5)]
    assert await count_rows(app, Counter, Counter.name == f"hours_sla:{inbox['id']}") == 1

    refreshed = await refresh_slas(app.state.sessionmaker, settings)
    assert refreshed == 5  # every open ticket of the inbox, in id order, two a transaction
    after = [due(await ticket(admin, ticket_id)) for ticket_id in ids]
    # Monday's minutes no longer count: each first hour runs from Tuesday 09:00.
    assert after == [utc(8, 10), utc(8, 10), utc(8, 10), utc(8, 10), utc(8, 9, 5)]
    assert await count_rows(app, Counter, Counter.name == f"hours_sla:{inbox['id']}") == 0
    assert await refresh_slas(app.state.sessionmaker, settings) == 0
