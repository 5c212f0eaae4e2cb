"""An assignee out of office still holds the ticket, but cannot act on its SLA warning: the
inbox's members are told as for a ticket nobody holds, and the assignee's bell keeps it too
(docs/notifications.md, "Out of office")."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.clock import FrozenClock
from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.unit.sla.support import customer_writes, ok, policy, timer_round
from tests.unit.sla.test_sla_api import PARIS, utc

pytestmark = SQLITE_ONLY


async def sla_tickets(agent: Agent) -> list[int]:
    page = await ok(await agent.client.get("/api/v1/notifications"))
    return [item["ticket_id"] for item in page["items"] if item["kind"] == "sla_breaching"]


async def test_the_warning_of_an_away_holder_reaches_the_inbox(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, utc(2026, 6, 1, 10, 0))
    inbox = await desk.inbox(name="Paris", email_address=PARIS)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    grace = await desk.agent(inboxes=[inbox], name="Grace")
    olga = await desk.agent(role="owner", name="Olga")
    await policy(olga, business_hours=False, first_response_minutes=60, warning_minutes=10)
    away_one = await customer_writes(ada, PARIS, subject="Where is my parcel")
    present_one = await customer_writes(ada, PARIS, subject="Refund")
    for ticket_id in (away_one, present_one):
        assigned = {"assignee_id": grace.id if ticket_id == away_one else ada.id}
        await ok(await olga.client.patch(f"/api/v1/tickets/{ticket_id}", json=assigned))
    await ok(await grace.client.put("/api/v1/me/out-of-office", json={"note": "Holiday"}))

    clock.set(utc(2026, 6, 1, 10, 55))
    assert await timer_round(app) == 2
    # Ada hears of Grace's ticket (and of her own); Grace, away, only of hers, in her bell.
    assert sorted(await sla_tickets(ada)) == sorted([away_one, present_one])
    assert await sla_tickets(grace) == [away_one]
