"""Customers reach a real receiver as a CRM needs them (docs/webhooks.md, "Customers"): created,
changed (each field from what to what, and who), merged (which one survived), deleted (ids
only), and the tickets an erasure deletes; each signed and checked with the docs' verifier."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.customers import service as customers_service
from frontdesk.customers.models import Customer
from frontdesk.db.session import drop_hooks_since, hooks_mark, unit_of_work
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.webhooks.receiver import Receiver, receiver
from tests.unit.webhooks.test_webhook_events import deliver, subscribe

pytestmark = SQLITE_ONLY

CUSTOMERS = [
    "customer.created",
    "customer.updated",
    "customer.merged",
    "customer.deleted",
    "ticket.deleted",
]


async def deliver_all(app: FastAPI) -> None:
    while await deliver(app):
        pass


async def create(admin: Agent, **body: Any) -> dict[str, Any]:
    response = await admin.client.post("/api/v1/customers", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


@BOTH_STORES
async def test_a_crm_hears_a_customer_from_creation_to_erasure(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada")
    ada = {"type": "agent", "id": admin.id, "name": "Ada", "email": admin.user["email"]}
    await subscribe(admin, hooks, events=CUSTOMERS)

    grace = await create(
        admin, name="Grace", emails=["grace@example.org"], attributes={"plan": "pro"}
    )
    changed = await admin.client.patch(
        f"/api/v1/customers/{grace['id']}",
        json={"name": "Grace Hopper", "phones": ["+33 6 12"], "attributes": {"plan": "team"}},
    )
    assert changed.status_code == 200, changed.text
    # Saved as it was: nothing changed, nothing told.
    same = await admin.client.patch(
        f"/api/v1/customers/{grace['id']}", json={"name": "Grace Hopper"}
    )
    assert same.status_code == 200, same.text
    other = await create(admin, name="G. Hopper", emails=["gh@example.org"])
    merged = await admin.client.post(
        f"/api/v1/customers/{grace['id']}/merge", json={"source_id": other["id"]}
    )
    assert merged.status_code == 200, merged.text
    await deliver_all(app)

    assert hooks.requests
    assert all(r.verified for r in hooks.requests)
    assert [e["type"] for e in hooks.events()] == [
        "customer.created",
        "customer.updated",
        "customer.created",
        "customer.merged",
    ]
    created = hooks.events("customer.created")[0]["data"]
    assert created["actor"] == ada
    assert created["customer"]["id"] == grace["id"]
    assert (created["customer"]["name"], created["customer"]["emails"]) == (
        "Grace",
        ["grace@example.org"],
    )
    [updated] = hooks.events("customer.updated")
    assert updated["data"]["actor"] == ada
    assert updated["data"]["customer"]["name"] == "Grace Hopper"
    assert updated["data"]["diff"] == {
        "name": {"from": "Grace", "to": "Grace Hopper"},
        "phones": {"from": [], "to": ["+33612"]},
        "attributes": {"from": {"plan": "pro"}, "to": {"plan": "team"}},
    }
    [merge] = hooks.events("customer.merged")
    assert (merge["data"]["survivor_id"], merge["data"]["merged_id"]) == (grace["id"], other["id"])
    assert merge["data"]["customer"]["id"] == grace["id"]
    assert merge["data"]["actor"] == ada
    assert merge["data"]["diff"]["emails"] == {
        "from": ["grace@example.org"],
        "to": ["grace@example.org", "gh@example.org"],
    }

    ticket = await admin.client.post(
        "/api/v1/tickets",
        json={"inbox_id": inbox["id"], "customer": {"id": grace["id"]}, "subject": "Invoice"},
    )
    assert ticket.status_code == 201, ticket.text
    before = len(hooks.requests)
    erased = await admin.client.post(
        f"/api/v1/customers/{grace['id']}/erase", json={"confirm": "grace@example.org"}
    )
    assert erased.status_code == 200, erased.text
    await deliver_all(app)

    gone = [r.json for r in hooks.requests[before:]]
    assert all(r.verified for r in hooks.requests[before:])
    # Ids only: nothing of what the customer was, nor who erased them.
    assert [(e["type"], e["data"]) for e in gone] == [
        (
            "ticket.deleted",
            {
                "ticket": {"id": ticket.json()["id"], "number": ticket.json()["number"]},
                "reason": "erasure",
            },
        ),
        ("customer.deleted", {"customer": {"id": grace["id"]}, "reason": "erasure"}),
        ("customer.deleted", {"customer": {"id": other["id"]}, "reason": "erasure"}),
    ]
    # The log no longer quotes the erased customer: their events went with them.
    webhook = (await admin.client.get("/api/v1/webhooks")).json()[0]
    log = await admin.client.get(f"/api/v1/webhooks/{webhook['id']}/deliveries")
    assert sorted(d["event_type"] for d in log.json()) == [
        "customer.deleted",
        "customer.deleted",
        "ticket.deleted",
    ]


async def test_customers_made_by_mail_and_chats_are_told_as_the_systems(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    """No agent acted: a customer made from a new address, and one whose address was proven."""
    admin = await desk.agent(role="admin")
    await subscribe(admin, hooks, events=CUSTOMERS)
    async with unit_of_work(app.state.sessionmaker) as session:
        typed = await customers_service.find_or_create(
            session, email="marie@example.org", name="Marie", verified=False
        )
    async with unit_of_work(app.state.sessionmaker) as session:
        await customers_service.mark_verified(session, customer_id=typed.id)
        # Proven already: told once.
        await customers_service.mark_verified(session, customer_id=typed.id)
    await deliver_all(app)

    assert all(r.verified for r in hooks.requests)
    created, updated = hooks.events()
    assert (created["type"], created["data"]["actor"]) == ("customer.created", {"type": "system"})
    assert created["data"]["customer"]["verified"] is False
    assert updated["type"] == "customer.updated"
    assert updated["data"]["diff"] == {"verified": {"from": False, "to": True}}
    assert updated["data"]["actor"] == {"type": "system"}


async def test_a_customer_change_rolled_back_is_not_told(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    """A change undone by its savepoint (as a rule's or action's failure undoes its own) is not
    told; the one the transaction commits is, from what the customer was."""
    admin = await desk.agent(role="admin")
    # With internal notes, so that the notes undone would show.
    await subscribe(admin, hooks, events=CUSTOMERS, include_internal=True)
    grace = await create(admin, name="Grace")
    await deliver_all(app)
    before = len(hooks.requests)

    async def note_then_fail(session: AsyncSession, customer: Customer) -> None:
        async with session.begin_nested():
            await customers_service.update_customer(session, customer=customer, notes="Call")
            raise RuntimeError("the rule failed after the change")

    async with unit_of_work(app.state.sessionmaker) as session:
        customer = await session.get(Customer, grace["id"])
        assert customer is not None
        mark = hooks_mark(session)
        with pytest.raises(RuntimeError):
            await note_then_fail(session, customer)
        drop_hooks_since(session, mark)
        await session.refresh(customer)
        await customers_service.update_customer(session, customer=customer, name="Grace Hopper")
    await deliver_all(app)

    [told] = [r.json for r in hooks.requests[before:]]
    assert told["type"] == "customer.updated"
    assert told["data"]["diff"] == {"name": {"from": "Grace", "to": "Grace Hopper"}}
    assert told["data"]["customer"]["notes"] == ""


async def test_a_customers_notes_go_only_to_a_webhook_that_includes_internal_notes(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    """The notes agents write about a customer are internal, as a ticket's notes are: a webhook
    without **Include internal notes** gets the customer without them, no `notes` in `diff`,
    and no event for a change of the notes alone."""
    admin = await desk.agent(role="admin")
    await subscribe(admin, hooks, events=CUSTOMERS)
    with receiver() as insider:
        await subscribe(admin, insider, events=CUSTOMERS, include_internal=True)
        grace = await create(admin, name="Grace", notes="Shouted at Ada in May")
        for body in (
            {"notes": "Shouted at Ada in May; calm since"},
            {"name": "Grace Hopper", "notes": "Prefers phone calls"},
        ):
            changed = await admin.client.patch(f"/api/v1/customers/{grace['id']}", json=body)
            assert changed.status_code == 200, changed.text
        other = await create(admin, name="G. Hopper", notes="Same person?")
        merged = await admin.client.post(
            f"/api/v1/customers/{grace['id']}/merge", json={"source_id": other["id"]}
        )
        assert merged.status_code == 200, merged.text
        await deliver_all(app)

        assert all(r.verified for r in [*hooks.requests, *insider.requests])
        outside = hooks.events()
        assert [e["type"] for e in outside] == [
            "customer.created",
            "customer.updated",
            "customer.created",
            "customer.merged",
        ]
        assert all("notes" not in e["data"]["customer"] for e in outside)
        assert all("notes" not in e["data"].get("diff", {}) for e in outside)
        assert "Shouted" not in str([r.body for r in hooks.requests])
        assert outside[1]["data"]["diff"] == {"name": {"from": "Grace", "to": "Grace Hopper"}}

        inside = insider.events()
        assert [e["type"] for e in inside] == [
            "customer.created",
            "customer.updated",
            "customer.updated",
            "customer.created",
            "customer.merged",
        ]
        assert inside[0]["data"]["customer"]["notes"] == "Shouted at Ada in May"
        assert inside[1]["data"]["diff"] == {
            "notes": {"from": "Shouted at Ada in May", "to": "Shouted at Ada in May; calm since"}
        }
        assert inside[2]["data"]["diff"]["notes"]["to"] == "Prefers phone calls"
        assert "notes" in inside[4]["data"]["diff"]
