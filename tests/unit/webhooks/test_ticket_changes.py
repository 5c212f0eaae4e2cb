"""`ticket.updated` says, beside the names of the fields that changed (`changes`, as before),
each field from what to what (`diff`) and who changed it (`actor`, and each field's `by`), on
every path that changes a ticket: an agent's PATCH, the bulk bar, a macro, a rule answering a
change, a snooze that ends, the customer's mail reopening it, a merge and its undo
(docs/webhooks.md, "ticket.updated"). Moves to another inbox: tests/unit/tickets/
test_inbox_move_api.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.config import Settings
from frontdesk.tickets.timers import wake_snoozed_tickets
from frontdesk.webhooks.models import WebhookDelivery
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.support import new_ticket

pytestmark = SQLITE_ONLY

MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    from tests.mail.support import INBOUND_TOKEN

    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})


async def hook(owner: Agent) -> None:
    """A webhook for ticket.updated; its deliveries are read from the table, never sent."""
    made = await owner.client.post(
        "/api/v1/webhooks",
        json={"name": "CRM", "url": "http://127.0.0.1:9/hook", "events": ["ticket.updated"]},
    )
    assert made.status_code == 201, made.text


async def told(app: FastAPI, ticket_id: int) -> list[dict[str, Any]]:
    """The `data` of each ticket.updated about the ticket, oldest first."""
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.ticket_id == ticket_id)
            .order_by(WebhookDelivery.id)
        )
        return [row.payload["data"] for row in rows if row.event_type == "ticket.updated"]


def agent(who: Agent) -> dict[str, Any]:
    return {"id": who.id, "name": who.user["name"], "email": who.user["email"]}


async def patch(who: Agent, ticket_id: int, **fields: Any) -> dict[str, Any]:
    response = await who.client.patch(f"/api/v1/tickets/{ticket_id}", json=fields)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def label(owner: Agent, name: str) -> dict[str, Any]:
    made = await owner.client.post("/api/v1/labels", json={"name": name})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def test_an_agents_change_says_each_field_from_what_to_what_and_who(
    app: FastAPI, desk: Desk
) -> None:
    inbox = await desk.inbox(name="Support")
    owner = await desk.agent(role="owner", name="Olga")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    grace = await desk.agent(inboxes=[inbox], name="Grace")
    await hook(owner)
    vip = await label(owner, "vip")
    ticket = await new_ticket(ada.client, inbox, assignee_id=grace.id, subject="Help please")

    await patch(
        ada,
        ticket["id"],
        state="closed",
        subject="Parcel late",
        priority="high",
        assignee_id=ada.id,
        label_ids=[vip["id"]],
    )

    (data,) = await told(app, ticket["id"])
    # What receivers had before stays as it was.
    assert data["changes"] == ["state", "subject", "assignee", "labels", "priority"]
    assert data["ticket"]["state"] == "closed"
    by_ada = {"type": "agent"} | agent(ada)
    assert data["actor"] == by_ada
    assert data["diff"] == {
        "state": {"from": "open", "to": "closed", "by": by_ada},
        "subject": {"from": "Help please", "to": "Parcel late", "by": by_ada},
        "priority": {"from": "normal", "to": "high", "by": by_ada},
        "assignee": {"from": agent(grace), "to": agent(ada), "by": by_ada},
        "labels": {"from": [], "to": [vip], "by": by_ada},
    }

    # A snooze says until when, and from when to when once it is snoozed again.
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    await patch(ada, ticket["id"], state="snoozed", snoozed_until=until.isoformat())
    later = until + timedelta(days=1)
    await patch(ada, ticket["id"], snoozed_until=later.isoformat())
    _, snoozed, again = await told(app, ticket["id"])
    assert snoozed["diff"]["state"] == {"from": "closed", "to": "snoozed", "by": by_ada}
    assert snoozed["diff"]["snoozed_until"]["from"] is None
    assert datetime.fromisoformat(snoozed["diff"]["snoozed_until"]["to"]) == until
    assert set(again["diff"]) == {"snoozed_until"}
    assert [datetime.fromisoformat(again["diff"]["snoozed_until"][k]) for k in ("from", "to")] == [
        until,
        later,
    ]


async def test_the_bulk_bar_a_macro_and_a_rule_answering_a_change(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox(name="Support")
    owner = await desk.agent(role="owner", name="Olga")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    await hook(owner)
    vip = await label(owner, "vip")
    done = await label(owner, "done")
    one = await new_ticket(ada.client, inbox)
    two = await new_ticket(ada.client, inbox)
    by_ada = {"type": "agent"} | agent(ada)

    bulk = await ada.client.post(
        "/api/v1/tickets/bulk",
        json={"ticket_ids": [one["id"]], "actions": [{"type": "set_state", "state": "hold"}]},
    )
    assert bulk.status_code == 200, bulk.text
    (held,) = await told(app, one["id"])
    assert held["actor"] == by_ada
    assert held["diff"] == {"state": {"from": "open", "to": "hold", "by": by_ada}}

    macro = await ada.client.post(
        "/api/v1/macros",
        json={
            "name": "Escalate",
            "actions": [
                {"type": "label", "add": [vip["id"]]},
                {"type": "set_state", "state": "hold"},
            ],
        },
    )
    assert macro.status_code == 201, macro.text
    used = await ada.client.post(
        f"/api/v1/macros/{macro.json()['id']}/apply", json={"ticket_id": two["id"]}
    )
    assert used.status_code == 200, used.text
    (escalated,) = await told(app, two["id"])
    by_macro = {"type": "macro", "id": macro.json()["id"], "name": "Escalate", "agent": agent(ada)}
    assert escalated["actor"] == by_macro
    assert escalated["diff"] == {
        "state": {"from": "open", "to": "hold", "by": by_macro},
        "labels": {"from": [], "to": [vip], "by": by_macro},
    }

    # Ada closes; a rule answers by labelling it "done", in the same transaction: one event,
    # set off by Ada, the label the rule's.
    rule = await owner.client.post(
        "/api/v1/rules",
        json={
            "name": "Mark done",
            "when": {"type": "state_changed", "state": "closed"},
            "conditions": [],
            "actions": [{"type": "label", "add": [done["id"]]}],
        },
    )
    assert rule.status_code == 201, rule.text
    await patch(ada, one["id"], state="closed")
    _, closed = await told(app, one["id"])
    by_rule = {"type": "rule", "id": rule.json()["id"], "name": "Mark done"}
    assert closed["changes"] == ["state", "labels"]
    assert closed["actor"] == by_ada
    assert closed["diff"] == {
        "state": {"from": "hold", "to": "closed", "by": by_ada},
        "labels": {"from": [], "to": [done], "by": by_rule},
    }


async def test_a_snooze_that_ends_is_the_systems_and_a_reopening_mail_the_customers(
    app: FastAPI, desk: Desk, http: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.mail.support import CUSTOMER, SUPPORT, post_mime, reply_mail

    clock = FrozenClock(monkeypatch, MONDAY_9)
    inbox = await desk.inbox(name="Support", email_address=SUPPORT)
    owner = await desk.agent(role="owner", name="Olga")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    await hook(owner)
    first = await post_mime(http, reply_mail(to=SUPPORT, text="Where is my parcel?"))
    assert first.status_code == 200, first.text
    ticket = (await ada.client.get(f"/api/v1/tickets/{first.json()['ticket_id']}")).json()
    [entry] = [e for e in ticket["entries"] if e["kind"] == "reply"]
    until = MONDAY_9 + timedelta(hours=1)
    await patch(ada, ticket["id"], state="snoozed", snoozed_until=until.isoformat())

    clock.advance(hours=2)
    assert await wake_snoozed_tickets(app.state.sessionmaker) == 1
    _, woken = await told(app, ticket["id"])
    system = {"type": "system"}
    assert woken["actor"] == system
    assert woken["diff"]["state"] == {"from": "snoozed", "to": "open", "by": system}
    assert woken["diff"]["snoozed_until"]["to"] is None
    assert datetime.fromisoformat(woken["diff"]["snoozed_until"]["from"]) == until

    # Closed by Ada; the customer's answer opens it again: theirs, by the address it came from.
    await patch(ada, ticket["id"], state="closed")
    mailed = await post_mime(
        http, reply_mail(to=SUPPORT, text="Still nothing", in_reply_to=entry["message_id"])
    )
    assert mailed.status_code == 200, mailed.text
    assert mailed.json()["ticket_id"] == ticket["id"], mailed.text
    assert mailed.json()["reopened"] is True
    reopened = (await told(app, ticket["id"]))[-1]
    customer = {"type": "customer", "id": ticket["customer_id"], "email": CUSTOMER}
    assert reopened["actor"] == customer
    assert reopened["diff"] == {"state": {"from": "closed", "to": "open", "by": customer}}


@BOTH_STORES
async def test_a_merge_and_its_undo(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox(name="Support")
    owner = await desk.agent(role="owner", name="Olga")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    await hook(owner)
    vip = await label(owner, "vip")
    source = await new_ticket(ada.client, inbox, label_ids=[vip["id"]])
    target = await new_ticket(ada.client, inbox)
    by_ada = {"type": "agent"} | agent(ada)

    merged = await ada.client.post(
        f"/api/v1/tickets/{source['id']}/merge", json={"into_ticket_id": target["id"]}
    )
    assert merged.status_code == 201, merged.text
    (away,) = await told(app, source["id"])
    assert away["actor"] == by_ada
    kept = {"id": target["id"], "number": target["number"]}
    assert away["diff"] == {
        "state": {"from": "open", "to": "closed", "by": by_ada},
        "merged": {"from": None, "to": kept, "by": by_ada},
    }
    (gained,) = await told(app, target["id"])
    assert gained["diff"] == {"labels": {"from": [], "to": [vip], "by": by_ada}}

    undone = await ada.client.post(f"/api/v1/tickets/moves/{merged.json()['id']}/undo")
    assert undone.status_code == 200, undone.text
    back = (await told(app, source["id"]))[-1]
    assert back["diff"]["state"] == {"from": "closed", "to": "open", "by": by_ada}
    assert back["diff"]["merged"]["from"] == kept
    assert back["diff"]["merged"]["to"] is None
    lost = (await told(app, target["id"]))[-1]
    assert lost["diff"] == {"labels": {"from": [vip], "to": [], "by": by_ada}}
