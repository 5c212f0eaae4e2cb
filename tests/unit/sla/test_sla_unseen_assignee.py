"""An assignee who cannot see the ticket counts as nobody for its SLA alerts: the warning (or the
breach nobody was warned of) goes to the inbox's members, as for an unassigned ticket, and the
breach is held against nobody in the reports (docs/routing.md, "Warnings and breaches"). The
assignee lost sight of it the way a ticket left over from before agents leaving gave their
tickets back does: their membership row gone, the ticket still theirs."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import delete

from frontdesk.db.session import unit_of_work
from frontdesk.inboxes.models import InboxMember
from frontdesk.sla.models import AlertKind, SlaAlert
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.sla.support import customer_writes, ok, policy, timer_round
from tests.unit.sla.test_sla_api import PARIS, utc

pytestmark = SQLITE_ONLY


async def sla_items(agent: Agent) -> list[dict[str, Any]]:
    page = await ok(await agent.client.get("/api/v1/notifications"))
    return [item for item in page["items"] if item["kind"] == "sla_breaching"]


async def out_of_sight(app: FastAPI, *, inbox: dict[str, Any], agent: Agent) -> None:
    async with unit_of_work(app.state.sessionmaker) as session:
        await session.execute(
            delete(InboxMember).where(
                InboxMember.inbox_id == inbox["id"], InboxMember.user_id == agent.id
            )
        )


async def breaches(app: FastAPI) -> list[int | None]:
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(
            SlaAlert.__table__.select()
            .with_only_columns(SlaAlert.user_id)
            .where(SlaAlert.kind == AlertKind.breach)
        )
        return list(rows)


@BOTH_STORES
@pytest.mark.parametrize("warned", [True, False])
async def test_an_assignee_who_cannot_see_the_ticket_counts_as_nobody(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch, warned: bool
) -> None:
    clock = FrozenClock(monkeypatch, utc(2026, 6, 1, 10, 0))
    inbox = await desk.inbox(name="Paris", email_address=PARIS)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    grace = await desk.agent(inboxes=[inbox], name="Grace")
    olga = await desk.agent(role="owner", name="Olga")
    await policy(olga, business_hours=False, first_response_minutes=60, warning_minutes=10)
    ticket_id = await customer_writes(ada, PARIS, subject="Where is my parcel")
    await ok(
        await olga.client.patch(f"/api/v1/tickets/{ticket_id}", json={"assignee_id": grace.id})
    )
    await out_of_sight(app, inbox=inbox, agent=grace)

    if warned:
        clock.set(utc(2026, 6, 1, 10, 55))
        assert await timer_round(app) == 1
    clock.set(utc(2026, 6, 1, 11, 5))
    await timer_round(app)

    # Told as for a ticket nobody has: every member of its inbox.
    (item,) = await sla_items(ada)
    assert item["ticket_id"] == ticket_id
    assert item["params"].get("breached") is (None if warned else True)
    # Not a breach of Grace's in the reports: she could not open the ticket.
    assert await breaches(app) == [None]
