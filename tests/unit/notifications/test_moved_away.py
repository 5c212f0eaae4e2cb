"""Who hears of a ticket moved to another inbox (docs/notifications.md, "Moved away"): the
assignee the move unassigns, who no longer sees the ticket, is told on their channels without a
word of the ticket (no subject, no customer, no link to it); a target already late when it
moves, recorded as the old inbox's breach, is told like any breach nobody was warned of, to who
has the ticket in its new inbox."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.notifications.push import deliver_push
from tests.clock import FrozenClock
from tests.conftest import SQLITE_ONLY, Agent, Desk, Published
from tests.mail.support import SmtpSink, deliver, with_smtp
from tests.unit.notifications.support import Browser, PushService, bell, subscribe
from tests.unit.sla.support import ok, policy, timer_round
from tests.unit.sla.test_sla_api import utc
from tests.unit.support import new_ticket

pytestmark = SQLITE_ONLY

SUBJECT = "Refund for the blue teapot"
CUSTOMER = {"email": "cora.teapot@example.org", "name": "Cora Teapot"}


async def move(agent: Agent, ticket_id: int, inbox_id: int) -> dict[str, Any]:
    response = await agent.client.patch(f"/api/v1/tickets/{ticket_id}", json={"inbox_id": inbox_id})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def leaks(text: str) -> list[str]:
    """The ticket's words found in `text`."""
    words = [SUBJECT, "teapot", CUSTOMER["name"], CUSTOMER["email"]]
    return [word for word in words if word.lower() in text.lower()]


async def test_an_assignee_a_move_unassigns_is_told_without_the_tickets_words(
    app: FastAPI,
    desk: Desk,
    settings: Settings,
    push_service: PushService,
    sink: SmtpSink,
    published: Published,
) -> None:
    support = await desk.inbox(name="Support")
    billing = await desk.inbox(name="Billing")
    ada = await desk.agent(inboxes=[support, billing], name="Ada")
    grace = await desk.agent(inboxes=[support], name="Grace")
    # Grace hears of her assignments on every channel.
    await ok(
        await grace.client.put(
            "/api/v1/notifications/preferences",
            json={"preferences": {"assigned": {"email": True}}},
        )
    )
    browser = Browser()
    await subscribe(grace, browser, f"{push_service.origin}/push/grace")
    ticket = await new_ticket(
        ada.client, support, subject=SUBJECT, customer=CUSTOMER, assignee_id=grace.id
    )
    published.clear()

    await move(ada, ticket["id"], billing["id"])

    # The bell: her assignment is gone with the ticket (she may no longer see it); the notice
    # that she was unassigned stays, naming the ticket by number alone and opening nothing.
    page = await bell(grace)
    (item,) = page["items"]
    assert page["unread"] == 1
    assert (item["kind"], item["ticket_id"], item["chat_id"]) == ("assigned", None, None)
    assert item["actor"] == {"id": ada.id, "name": "Ada"}
    shown = {key: value for key, value in item["params"].items() if value is not None}
    assert shown == {"number": ticket["number"], "unassigned": True, "actor_name": "Ada"}
    assert leaks(json.dumps(page)) == []
    # Heard live by her desks, as the catalogue describes it.
    (live,) = [m for m in published.messages if m.envelope.type == "notification.created"]
    assert live.topics == [f"agent:{grace.id}"]
    assert live.envelope.data["notification"]["params"]["unassigned"] is True
    assert published.problems == []

    # Push: the assignment's push is dropped (she no longer sees its ticket), this one goes.
    assert await deliver_push(app.state.sessionmaker, settings) == 1
    (pushed,) = push_service.received
    payload = json.loads(browser.decrypt(pushed.body))
    number = ticket["number"]
    assert payload["title"] == f"No longer assigned to you: ticket #{number}"
    assert payload["body"] == (
        f"Ada moved ticket #{number} to an inbox you are not a member of, so it is no longer "
        "assigned to you."
    )
    assert (payload["url"], payload["ticket_id"]) == ("/", None)
    assert leaks(json.dumps(payload)) == []

    # Email likewise: the assignment's is deleted unsent, this one is sent.
    await deliver(app, with_smtp(settings, sink))
    (mail,) = [m for m in sink.received if grace.user["email"] in m.rcpt_tos]
    assert mail.message["Subject"] == f"No longer assigned to you: ticket #{number}"
    body = mail.message.get_body(("plain",))
    assert body is not None
    assert "no longer assigned to you" in body.get_content()
    assert leaks(mail.message.as_string()) == []


def overdue(page: dict[str, Any]) -> dict[int, bool]:
    """The SLA notifications of a bell: ticket id → breached (True) or warned (False)."""
    return {
        item["ticket_id"]: bool(item["params"]["breached"])
        for item in page["items"]
        if item["kind"] == "sla_breaching"
    }


async def test_a_target_late_when_it_moves_tells_who_has_it_in_the_new_inbox(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FrozenClock(monkeypatch, utc(2026, 12, 7, 9, 0))
    support = await desk.inbox(name="Support")
    billing = await desk.inbox(name="Billing")
    ada = await desk.agent(inboxes=[support, billing], name="Ada")
    grace = await desk.agent(inboxes=[support], name="Grace")
    bill = await desk.agent(inboxes=[billing], name="Bill")
    owner = await desk.agent(role="owner", name="Olga")
    await policy(
        owner,
        inbox_id=support["id"],
        business_hours=False,
        resolution_minutes=60,
        warning_minutes=10,
    )
    # Warned in time by the timer (at 09:50), then late.
    warned = await new_ticket(ada.client, support, assignee_id=ada.id, email="w@example.org")
    clock.set(utc(2026, 12, 7, 9, 55))
    assert await timer_round(app) == 1
    # Due at 10:55; no timer round runs until after the moves (a deploy, say).
    kept = await new_ticket(ada.client, support, assignee_id=ada.id, email="k@example.org")
    handed = await new_ticket(ada.client, support, assignee_id=grace.id, email="h@example.org")
    clock.set(utc(2026, 12, 7, 12, 0))

    for ticket in (warned, kept, handed):
        await move(ada, ticket["id"], billing["id"])

    # Ada keeps hers (she is in Billing): she is told it is overdue, once (not again for the
    # one she was warned of). Grace's went to nobody in Billing: all of Billing is told.
    assert overdue(await bell(ada)) == {warned["id"]: False, kept["id"]: True, handed["id"]: True}
    assert overdue(await bell(bill)) == {handed["id"]: True}
    assert overdue(await bell(grace)) == {}
    # The timer's next round finds them all told.
    await timer_round(app)
    assert overdue(await bell(ada)) == {warned["id"]: False, kept["id"]: True, handed["id"]: True}
