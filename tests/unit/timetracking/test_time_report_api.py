"""The "Time tracked" report (docs/reports.md): minutes per agent and inbox on the range's days,
billable and not, each entry on its day worked on the agent's clock whatever the report's zone;
an agent sees only their own; the channel, label and agent filters; spam tickets left out; the
CSV holds the same rows, a name that looks like a formula written as text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import update

from frontdesk.db.session import unit_of_work
from frontdesk.tickets.models import Ticket, TicketType
from tests.clock import FrozenClock
from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.unit.support import new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def log(agent: Agent, ticket_id: int, **body: Any) -> None:
    response = await agent.client.post(f"/api/v1/tickets/{ticket_id}/time-entries", json=body)
    assert response.status_code == 201, response.text


async def report(agent: Agent, **query: str) -> list[dict[str, Any]]:
    response = await agent.client.get("/api/v1/reports/time_tracked", params=query)
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_minutes_by_agent_and_inbox_on_the_days_worked(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 23:30 UTC on the 9th: the 10th on Ana's clock (Paris), where her entry is counted.
    FrozenClock(monkeypatch, datetime(2026, 3, 9, 23, 30, tzinfo=UTC))
    support = await desk.inbox(name="Support")
    billing = await desk.inbox(name="Billing")
    ana = await desk.agent(inboxes=[support, billing], name="Ana")
    await ana.client.patch("/api/v1/me", json={"preferences": {"time_zone": "Europe/Paris"}})
    ben = await desk.agent(inboxes=[support], name="Ben")
    admin = await desk.agent(role="admin", name="Ada")
    help_ticket = await new_ticket(ana.client, support)
    invoice = await new_ticket(ana.client, billing)

    await log(ana, help_ticket["id"], minutes=30)  # the 10th, on Ana's clock
    await log(ana, help_ticket["id"], minutes=15, day="2026-03-10", billable=False)
    await log(ana, invoice["id"], minutes=20, day="2026-03-09")
    await log(ben, help_ticket["id"], minutes=45, day="2026-03-10")
    await log(ben, help_ticket["id"], minutes=99, day="2026-03-08")  # before the range

    days = {"since": "2026-03-09", "until": "2026-03-10", "time_zone": "Pacific/Honolulu"}
    rows = await report(admin, **days)
    assert [
        (r["agent"], r["inbox"], r["minutes"], r["billable_minutes"], r["non_billable_minutes"])
        for r in rows
    ] == [
        ("Ana", "Support", 45, 30, 15),
        ("Ben", "Support", 45, 45, 0),
        ("Ana", "Billing", 20, 20, 0),
    ]
    only_billing = await report(admin, **days, inbox_id=str(billing["id"]))
    assert [(r["agent"], r["minutes"]) for r in only_billing] == [("Ana", 20)]
    # An agent's report is their own.
    assert [(r["agent"], r["minutes"]) for r in await report(ben, **days)] == [("Ben", 45)]

    csv = await admin.client.get("/api/v1/reports/time_tracked.csv", params=days)
    assert csv.status_code == 200
    lines = csv.text.strip().split("\r\n")
    assert lines[0] == (
        "agent_id,agent,inbox_id,inbox,minutes,billable_minutes,non_billable_minutes"
    )
    assert lines[1] == f"{ana.id},Ana,{support['id']},Support,45,30,15"


async def test_the_filters_leave_out_what_they_should_and_the_csv_runs_no_formula(
    app: FastAPI, desk: Desk
) -> None:
    support = await desk.inbox(name="Support")
    # A name a spreadsheet would run as a formula: the CSV writes it as text.
    ana = await desk.agent(inboxes=[support], name="=HYPERLINK(1)")
    ben = await desk.agent(inboxes=[support], name="Ben")
    admin = await desk.agent(role="admin", inboxes=[support], name="Ada")
    mailed = await new_ticket(ana.client, support, subject="By mail")
    chatted = await new_ticket(ana.client, support, subject="By chat")
    junk = await new_ticket(ana.client, support, subject="Junk")
    async with unit_of_work(app.state.sessionmaker) as session:
        await session.execute(
            update(Ticket).where(Ticket.id == chatted["id"]).values(type=TicketType.chat)
        )
    vip = (await admin.client.post("/api/v1/labels", json={"name": "vip"})).json()
    labelled = await admin.client.patch(
        f"/api/v1/tickets/{chatted['id']}", json={"label_ids": [vip["id"]]}
    )
    assert labelled.status_code == 200, labelled.text
    await log(ana, mailed["id"], minutes=10, day="2026-03-09")
    await log(ana, chatted["id"], minutes=20, day="2026-03-09")
    await log(ben, chatted["id"], minutes=40, day="2026-03-09")
    await log(ben, junk["id"], minutes=300, day="2026-03-09")
    # Junk is no one's work: a ticket marked spam leaves the report with its time.
    spam = await admin.client.post(f"/api/v1/tickets/{junk['id']}/spam", json={})
    assert spam.status_code == 200, spam.text

    days = {"since": "2026-03-09", "until": "2026-03-09"}

    async def minutes(**query: str) -> list[tuple[str, int]]:
        return [(r["agent"], r["minutes"]) for r in await report(admin, **days, **query)]

    assert await minutes() == [("Ben", 40), ("=HYPERLINK(1)", 30)]
    assert await minutes(channel="chat") == [("Ben", 40), ("=HYPERLINK(1)", 20)]
    assert await minutes(channel="email") == [("=HYPERLINK(1)", 10)]
    assert await minutes(label_id=str(vip["id"])) == [("Ben", 40), ("=HYPERLINK(1)", 20)]
    assert await minutes(agent_id=str(ana.id)) == [("=HYPERLINK(1)", 30)]

    csv = await admin.client.get("/api/v1/reports/time_tracked.csv", params=days)
    assert csv.status_code == 200
    assert f"{ana.id},'=HYPERLINK(1),{support['id']},Support,30,30,0" in csv.text.split("\r\n")
