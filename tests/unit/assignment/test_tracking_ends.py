"""What frontdesk assigned it stops moving on once the ticket is put on hold, snoozed or closed,
by any path (the API, a bulk action, a merge), even when the ticket is open again later with the
same assignee: a snooze that ends, a reopening by an agent or by the customer's email reply, an
undone merge. The timer's passes run as the loops run them, on a frozen clock."""

from __future__ import annotations

import email
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.assignment.models import AutoAssignment
from frontdesk.config import Settings
from frontdesk.tickets.timers import wake_snoozed_tickets
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.mail.support import INBOUND_TOKEN, post_mime, reply_mail
from tests.unit.assignment.test_auto_assignment import MONDAY_9, assignee, configure, team, tick
from tests.unit.support import count_rows, new_ticket, online, use_cheap_passwords

pytestmark = SQLITE_ONLY

SUPPORT = "support@shop.test"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, MONDAY_9)


async def patch(agent: Agent, ticket: dict[str, Any], **fields: Any) -> None:
    response = await agent.client.patch(f"/api/v1/tickets/{ticket['id']}", json=fields)
    assert response.status_code == 200, response.text


async def loops(app: FastAPI, clock: FrozenClock, *, minutes: int, every: int = 5) -> None:
    """The snooze and assignment loops, every `every` minutes for `minutes`."""
    for _ in range(minutes // every):
        clock.advance(minutes=every)
        await wake_snoozed_tickets(app.state.sessionmaker)
        await tick(app)


async def test_a_snoozed_ticket_that_wakes_stays_with_its_assignee(
    app: FastAPI, desk: Desk, clock: FrozenClock
) -> None:
    inbox, admin, (ada, _grace) = await team(desk, "Ada", "Grace")
    await configure(admin, inbox, mode="round_robin", reassign_after_minutes=30)
    ticket = await new_ticket(admin.client, inbox)
    await tick(app)
    assert await assignee(admin, ticket) == ada.id
    await patch(ada, ticket, snoozed_until=(clock.now + timedelta(minutes=20)).isoformat())
    await loops(app, clock, minutes=40)
    shown = await ada.client.get(f"/api/v1/tickets/{ticket['id']}")
    assert shown.json()["state"] == "open"  # woken at 9:20
    assert await assignee(admin, ticket) == ada.id


@pytest.mark.parametrize("reopened_by", ["agent", "customer"])
async def test_a_closed_ticket_reopened_stays_with_its_assignee_when_they_go_offline(
    app: FastAPI, desk: Desk, clock: FrozenClock, reopened_by: str
) -> None:
    inbox = await desk.inbox(name="Shop", email_address=SUPPORT)
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Admin")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    await online(ada)
    await configure(admin, inbox, mode="round_robin")
    first = reply_mail(to=SUPPORT, text="Where is my order?", subject="Order")
    gateway = admin.client
    received = await post_mime(gateway, first, to=[SUPPORT])
    assert received.status_code < 300, received.text
    ticket = {"id": received.json()["ticket_id"]}
    await tick(app)
    assert await assignee(admin, ticket) == ada.id
    await patch(ada, ticket, state="closed")
    clock.advance(minutes=5)
    if reopened_by == "agent":
        await patch(admin, ticket, state="open")
    else:
        again = reply_mail(
            to=SUPPORT,
            text="It still has not come.",
            subject="Re: Order",
            in_reply_to=email.message_from_bytes(first)["Message-ID"],
        )
        threaded = await post_mime(gateway, again, to=[SUPPORT])
        assert threaded.json()["ticket_id"] == ticket["id"]
    shown = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}")).json()
    assert (shown["state"], shown["assignee_id"]) == ("open", ada.id)
    await online(ada, False)
    await tick(app)
    assert await assignee(admin, ticket) == ada.id


@BOTH_STORES
async def test_hold_by_a_bulk_action_and_a_merge_end_what_frontdesk_tracks(
    app: FastAPI, desk: Desk, clock: FrozenClock
) -> None:
    inbox, admin, (ada, grace) = await team(desk, "Ada", "Grace")
    await configure(admin, inbox, mode="round_robin", reassign_after_minutes=30)
    held = await new_ticket(admin.client, inbox, subject="held")
    merged = await new_ticket(admin.client, inbox, subject="merged")
    kept = await new_ticket(admin.client, inbox, subject="kept", assignee_id=admin.id)
    await tick(app)
    assert [await assignee(admin, held), await assignee(admin, merged)] == [ada.id, grace.id]
    bulk = await ada.client.post(
        "/api/v1/tickets/bulk",
        json={"ticket_ids": [held["id"]], "actions": [{"type": "set_state", "state": "hold"}]},
    )
    assert bulk.status_code == 200, bulk.text
    moved = await admin.client.post(
        f"/api/v1/tickets/{merged['id']}/merge", json={"into_ticket_id": kept["id"]}
    )
    assert moved.status_code == 201, moved.text
    assert await count_rows(app, AutoAssignment) == 0
    # Open again with the same assignees: theirs now, past the delay and all.
    undone = await admin.client.post(f"/api/v1/tickets/moves/{moved.json()['id']}/undo")
    assert undone.status_code == 200, undone.text
    await patch(ada, held, state="open")
    await loops(app, clock, minutes=40)
    assert [await assignee(admin, held), await assignee(admin, merged)] == [ada.id, grace.id]
