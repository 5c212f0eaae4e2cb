"""A breach whose warning no timer round sent (the server was down through the warning's window)
tells the people the warning would have told, once; a breach after its warning tells nobody
again. Through HTTP on a frozen clock, with the timer's round called as the loop calls it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.mail.models import OutboxMessage
from frontdesk.sla.models import AlertKind, SlaAlert
from tests.clock import FrozenClock
from tests.conftest import Agent, Desk
from tests.unit.sla.support import customer_writes, ok, policy, timer_round
from tests.unit.sla.test_sla_api import PARIS, utc
from tests.unit.support import count_rows


async def sla_items(agent: Agent) -> list[dict[str, Any]]:
    page = await ok(await agent.client.get("/api/v1/notifications"))
    return [item for item in page["items"] if item["kind"] == "sla_breaching"]


async def test_a_breach_with_no_warning_before_it_tells_the_assignee(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, utc(2026, 6, 1, 10, 0))
    inbox = await desk.inbox(name="Paris", email_address=PARIS)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    admin = await desk.agent(role="owner", name="Olga")
    await policy(admin, business_hours=False, first_response_minutes=60, warning_minutes=10)
    ticket_id = await customer_writes(ada, PARIS, subject="Where is my parcel")
    await ok(await bob.client.patch(f"/api/v1/tickets/{ticket_id}", json={"assignee_id": ada.id}))
    await ok(
        await ada.client.put(
            "/api/v1/notifications/preferences",
            json={"preferences": {"sla_breaching": {"email": True}}},
        )
    )

    # A deploy from 10:45 to 11:05: the round that would have warned at 10:50 never ran.
    clock.set(utc(2026, 6, 1, 11, 5))
    assert await timer_round(app) == 1
    assert await count_rows(app, SlaAlert, SlaAlert.kind == AlertKind.warning) == 0
    (item,) = await sla_items(ada)
    assert item["ticket_id"] == ticket_id
    assert item["params"]["breached"] is True
    assert item["params"]["subject"] == "Where is my parcel"
    assert await sla_items(bob) == []  # assigned: the assignee only, as for a warning
    async with app.state.sessionmaker() as session:
        mail = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.recipients == [ada.user["email"]])
        )
    assert mail is not None
    number = item["params"]["number"]
    assert mail.subject == f"Overdue: #{number} Where is my parcel"
    assert "breached its target" in mail.text
    # Once.
    clock.set(utc(2026, 6, 1, 11, 30))
    assert await timer_round(app) == 0
    assert len(await sla_items(ada)) == 1


async def test_a_breach_after_its_warning_tells_nobody_again(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, utc(2026, 6, 1, 10, 0))
    inbox = await desk.inbox(name="Paris", email_address=PARIS)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    admin = await desk.agent(role="owner", name="Olga")
    await policy(admin, business_hours=False, first_response_minutes=60, warning_minutes=10)
    await customer_writes(ada, PARIS)
    clock.set(utc(2026, 6, 1, 10, 50))
    assert await timer_round(app) == 1
    (warning,) = await sla_items(ada)
    assert warning["params"].get("breached") is None
    clock.set(utc(2026, 6, 1, 11, 1))
    assert await timer_round(app) == 1
    assert await count_rows(app, SlaAlert, SlaAlert.kind == AlertKind.breach) == 1
    assert [item["id"] for item in await sla_items(ada)] == [warning["id"]]
