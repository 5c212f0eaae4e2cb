"""What the SLA paths ask once: who sees a ticket, for every alert of a timer round's ticket; the
policies, for a refresh after a change of hours; a split's new ticket, worked out once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import FastAPI

from frontdesk.db.session import unit_of_work
from frontdesk.hours import sla_refresh
from frontdesk.inboxes import service as inboxes_service
from frontdesk.sla import service as sla_service
from frontdesk.sla.models import AlertKind, SlaAlert
from tests.clock import FrozenClock
from tests.conftest import SQLITE_ONLY, Desk
from tests.unit.sla.support import counting, customer_writes, ok, policy, timer_round
from tests.unit.support import count_rows

pytestmark = SQLITE_ONLY

SHOP = "shop@shop.test"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_a_timer_round_asks_who_sees_a_ticket_once_for_all_its_alerts(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = await desk.inbox(email_address=SHOP)
    admin = await desk.agent(role="admin", inboxes=[inbox])
    agent = await desk.agent(inboxes=[inbox])
    await policy(admin, business_hours=False, first_response_minutes=60, resolution_minutes=60)
    clock = FrozenClock(monkeypatch, START)
    waiting = await customer_writes(admin, SHOP)
    await ok(await admin.client.patch(f"/api/v1/tickets/{waiting}", json={"assignee_id": agent.id}))
    clock.advance(hours=2)
    asked = counting(monkeypatch, inboxes_service, "who_sees")
    await timer_round(app)
    # Two targets breached, each told to the assignee: one question.
    assert await count_rows(app, SlaAlert, SlaAlert.kind == AlertKind.breach) == 2
    assert len(asked) == 1
    told = (await agent.client.get("/api/v1/notifications")).json()
    assert len([n for n in told["items"] if n["kind"] == "sla_breaching"]) == 2


async def test_a_refresh_after_a_change_of_hours_reads_the_policies_once(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = await desk.inbox(email_address=SHOP)
    admin = await desk.agent(role="admin", inboxes=[inbox])
    await policy(admin, first_response_minutes=60)
    FrozenClock(monkeypatch, START)
    for n in range(3):
        await customer_writes(admin, SHOP, subject=f"Order {n}")
    read = counting(monkeypatch, sla_service, "list_policies")
    async with unit_of_work(app.state.sessionmaker) as session:
        await sla_refresh.hours_changed(session, inbox_id=inbox["id"])
    assert len(read) == 1


async def test_a_split_works_out_the_new_tickets_sla_once(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = await desk.inbox(email_address=SHOP)
    admin = await desk.agent(role="admin", inboxes=[inbox])
    await policy(admin, business_hours=False, first_response_minutes=60)
    FrozenClock(monkeypatch, START)
    waiting = await customer_writes(admin, SHOP)
    note = await ok(
        await admin.client.post(f"/api/v1/tickets/{waiting}/notes", json={"text": "Aside"})
    )
    refreshed = counting(monkeypatch, sla_service, "refresh")
    move = await ok(
        await admin.client.post(f"/api/v1/tickets/{waiting}/entries/{note['id']}/split", json={})
    )
    tickets = [call["ticket"].id for call in refreshed]
    assert tickets.count(move["target_ticket_id"]) == 1
    assert tickets.count(waiting) == 1
