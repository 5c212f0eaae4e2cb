"""An agent who can no longer see their tickets (taken out of the inbox, deactivated, no longer an
admin) gives them back: those not closed are unassigned, with a line on each, the desks and
webhooks told, back in Unassigned for people and for auto-assignment, and their SLA alerts go to
the inbox. Closed ones keep their assignee until they open again (docs/routing.md, "When an agent
leaves an inbox"). Through HTTP on a frozen clock, the timers called as their loops call them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import event

from frontdesk.assignment.timers import assign_tickets
from frontdesk.config import Settings
from frontdesk.tickets import departures
from tests.clock import FrozenClock
from tests.conftest import Agent, Desk, Published
from tests.mail.support import INBOUND_TOKEN, answered_ticket, post_mime, reply_mail
from tests.unit.sla.support import customer_writes, ok, policy, timer_round
from tests.unit.support import new_ticket, online
from tests.unit.webhooks.test_ticket_changes import hook, told

SUPPORT = "support@shop.test"
MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"inbound_token": INBOUND_TOKEN, "webhooks_allow_private": True}
    )


async def patch(who: Agent, ticket_id: int, **fields: Any) -> dict[str, Any]:
    return dict(await ok(await who.client.patch(f"/api/v1/tickets/{ticket_id}", json=fields)))


async def read(who: Agent, ticket_id: int) -> dict[str, Any]:
    return dict(await ok(await who.client.get(f"/api/v1/tickets/{ticket_id}")))


def lines(ticket: dict[str, Any]) -> list[str]:
    return [entry["text"] for entry in ticket["entries"] if entry["kind"] == "event"]


async def sla_kinds(agent: Agent) -> list[dict[str, Any]]:
    page = await ok(await agent.client.get("/api/v1/notifications"))
    return [item for item in page["items"] if item["kind"] == "sla_breaching"]


async def test_an_agent_removed_from_an_inbox_gives_back_the_tickets_they_had_there(
    app: FastAPI, desk: Desk, published: Published, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, MONDAY_9)
    support = await desk.inbox(name="Support", email_address=SUPPORT)
    sales = await desk.inbox(name="Sales")
    olga = await desk.agent(role="owner", name="Olga")
    ada = await desk.agent(inboxes=[support], name="Ada")
    grace = await desk.agent(inboxes=[support, sales], name="Grace Hopper")
    await hook(olga)
    await policy(
        olga,
        inbox_id=support["id"],
        first_response_minutes=2,
        warning_minutes=1,
        business_hours=False,
    )
    mailed = await customer_writes(ada, SUPPORT, subject="Where is my parcel")
    await patch(olga, mailed, assignee_id=grace.id)
    held = (await new_ticket(olga.client, support, assignee_id=grace.id))["id"]
    await patch(olga, held, state="hold")
    closed = (await new_ticket(olga.client, support, assignee_id=grace.id))["id"]
    await patch(olga, closed, state="closed")
    adas = (await new_ticket(olga.client, support, assignee_id=ada.id))["id"]
    elsewhere = (await new_ticket(olga.client, sales, assignee_id=grace.id))["id"]
    published.clear()

    removed = await olga.client.delete(f"/api/v1/inboxes/{support['id']}/members/{grace.id}")

    assert removed.status_code == 200, removed.text
    assert removed.json() == {"unassigned_tickets": 2}
    for ticket_id in (mailed, held):
        ticket = await read(olga, ticket_id)
        assert ticket["assignee_id"] is None
        assert lines(ticket)[-1] == "Unassigned: Olga removed Grace Hopper from Support"
        # Webhooks hear it as any unassignment, from Grace to nobody, by Olga.
        change = (await told(app, ticket_id))[-1]
        assert change["changes"] == ["assignee"]
        assert change["diff"]["assignee"]["from"]["id"] == grace.id
        assert change["diff"]["assignee"]["to"] is None
        assert change["actor"]["id"] == olga.id
    # The desks of the inbox hear each one, as for any unassignment.
    updated = [
        (m.envelope.data["ticket"]["id"], m.envelope.data["changes"], m.topics)
        for m in published.messages
        if m.envelope.type == "ticket.updated"
    ]
    topic = f"inbox:{support['id']}"
    assert sorted(updated) == sorted(
        [(mailed, ["assignee"], [topic]), (held, ["assignee"], [topic])]
    )
    # A closed ticket keeps who handled it; Ada's, and Grace's in Sales, are untouched.
    assert (await read(olga, closed))["assignee_id"] == grace.id
    assert (await read(olga, adas))["assignee_id"] == ada.id
    assert (await read(grace, elsewhere))["assignee_id"] == grace.id
    # Back in Unassigned for the team.
    waiting = await ok(
        await ada.client.get(
            "/api/v1/tickets", params={"inbox_id": support["id"], "unassigned": "true"}
        )
    )
    assert {item["id"] for item in waiting["items"]} == {mailed, held}

    # The SLA warning reaches the inbox's members, since nobody has the ticket.
    clock.set(datetime(2026, 12, 7, 9, 1, 30, tzinfo=UTC))
    assert await timer_round(app) == 1
    (warning,) = await sla_kinds(ada)
    assert warning["ticket_id"] == mailed

    # Auto-assignment hands the open one out again (not the one on hold).
    await ok(
        await olga.client.put(
            f"/api/v1/inboxes/{support['id']}/assignment",
            json={"mode": "round_robin", "ticket_limit": 10, "reassign_after_minutes": None},
        )
    )
    await online(ada)
    await assign_tickets(app.state.sessionmaker)
    assert (await read(olga, mailed))["assignee_id"] == ada.id
    assert (await read(olga, held))["assignee_id"] is None

    # The closed one opens unassigned: Grace can no longer answer it.
    reopened = await patch(olga, closed, state="open")
    assert reopened["assignee_id"] is None
    assert (
        lines(await read(olga, closed))[-1] == "Unassigned: Grace Hopper is not a member of Support"
    )

    # Removing her again finds nothing left to give back.
    again = await olga.client.delete(f"/api/v1/inboxes/{support['id']}/members/{grace.id}")
    assert again.json() == {"unassigned_tickets": 0}


async def test_a_closed_ticket_the_customer_reopens_opens_unassigned(
    app: FastAPI, desk: Desk, http: Any
) -> None:
    ada, inbox, ticket, row = await answered_ticket(desk)
    olga = await desk.agent(role="owner", name="Olga")
    assert (await read(olga, ticket["id"]))["assignee_id"] == ada.id
    removed = await olga.client.delete(f"/api/v1/inboxes/{inbox['id']}/members/{ada.id}")
    assert removed.json() == {"unassigned_tickets": 0}  # closed: kept, Ada handled it

    raw = reply_mail(
        to=row["headers"]["Reply-To"], text="Still nothing", in_reply_to=row["message_id"]
    )
    assert (await post_mime(http, raw, to=[SUPPORT])).status_code < 300

    reopened = await read(olga, ticket["id"])
    assert (reopened["state"], reopened["assignee_id"]) == ("open", None)
    assert lines(reopened)[-1] == "Unassigned: Ada is not a member of Shop Support"


async def test_a_deactivated_agent_gives_back_their_tickets_in_every_inbox(
    app: FastAPI, desk: Desk
) -> None:
    support = await desk.inbox(name="Support")
    sales = await desk.inbox(name="Sales")
    olga = await desk.agent(role="owner", name="Olga")
    grace = await desk.agent(inboxes=[support, sales], name="Grace Hopper")
    mine = [
        (await new_ticket(olga.client, inbox, assignee_id=grace.id))["id"]
        for inbox in (support, sales)
    ]
    snoozed = (await new_ticket(olga.client, sales, assignee_id=grace.id))["id"]
    await patch(olga, snoozed, state="snoozed", snoozed_until="2027-01-04T09:00:00Z")
    closed = (await new_ticket(olga.client, support, assignee_id=grace.id))["id"]
    await patch(olga, closed, state="closed")

    await ok(await olga.client.patch(f"/api/v1/users/{grace.id}", json={"is_active": False}))

    for ticket_id in (*mine, snoozed):
        ticket = await read(olga, ticket_id)
        assert ticket["assignee_id"] is None
        assert lines(ticket)[-1] == "Unassigned: Olga deactivated Grace Hopper"
    assert (await read(olga, closed))["assignee_id"] == grace.id
    reopened = await patch(olga, closed, state="open")
    assert reopened["assignee_id"] is None
    assert lines(await read(olga, closed))[-1] == "Unassigned: Grace Hopper is deactivated"


async def test_an_admin_keeps_their_tickets_until_they_are_no_longer_an_admin(
    app: FastAPI, desk: Desk
) -> None:
    support = await desk.inbox(name="Support")
    sales = await desk.inbox(name="Sales")
    olga = await desk.agent(role="owner", name="Olga")
    alan = await desk.agent(role="admin", inboxes=[support], name="Alan")
    theirs = {
        inbox["name"]: (await new_ticket(olga.client, inbox, assignee_id=alan.id))["id"]
        for inbox in (support, sales)
    }
    # An admin sees every inbox, a member or not: nothing to give back.
    removed = await olga.client.delete(f"/api/v1/inboxes/{support['id']}/members/{alan.id}")
    assert removed.json() == {"unassigned_tickets": 0}
    await desk.add_member(support, alan)
    assert (await read(olga, theirs["Support"]))["assignee_id"] == alan.id

    # Made an agent, he sees Support only: Sales' ticket goes back.
    await ok(await olga.client.patch(f"/api/v1/users/{alan.id}", json={"role": "agent"}))
    assert (await read(olga, theirs["Support"]))["assignee_id"] == alan.id
    sales_ticket = await read(olga, theirs["Sales"])
    assert sales_ticket["assignee_id"] is None
    assert (
        lines(sales_ticket)[-1] == "Unassigned: Alan is no longer an admin, nor a member of Sales"
    )


async def test_many_tickets_go_back_a_batch_a_transaction(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(departures, "BATCH", 3)
    support = await desk.inbox(name="Support")
    olga = await desk.agent(role="owner", name="Olga")
    grace = await desk.agent(inboxes=[support], name="Grace Hopper")
    ids = [(await new_ticket(olga.client, support, assignee_id=grace.id))["id"] for _ in range(7)]
    commits: list[int] = []

    def committed(_connection: Any) -> None:
        commits.append(1)

    engine = app.state.engine.sync_engine
    event.listen(engine, "commit", committed)
    try:
        removed = await olga.client.delete(f"/api/v1/inboxes/{support['id']}/members/{grace.id}")
    finally:
        event.remove(engine, "commit", committed)

    assert removed.json() == {"unassigned_tickets": 7}
    # 3, 3 and 1: the writer is let go between batches, not held for all of them.
    assert len(commits) >= 3
    for ticket_id in ids:
        assert (await read(olga, ticket_id))["assignee_id"] is None
