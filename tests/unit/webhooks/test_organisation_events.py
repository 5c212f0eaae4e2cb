"""A customer's organisation reaches a CRM (docs/webhooks.md, "Customers"): `organisation` in
every customer payload, and `customer.updated` with `diff.organisation` when it changes, by
hand (an agent's choice), by a merge (`customer.merged`), or by a domain added to an
organisation, whose joining tells at most organisations/service.TOLD customers a transaction.
SQLite alone: test_organisations_api.py sends the joining's statements to both stores."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.organisations import service
from frontdesk.organisations.timers import join_customers
from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.unit.support import use_cheap_passwords
from tests.unit.webhooks.receiver import Receiver
from tests.unit.webhooks.test_customer_events import CUSTOMERS, create, deliver_all
from tests.unit.webhooks.test_webhook_events import subscribe

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def organisation(admin: Agent, **body: Any) -> dict[str, Any]:
    response = await admin.client.post("/api/v1/organisations", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def choose(admin: Agent, customer_id: int, organisation_id: int | None) -> None:
    response = await admin.client.patch(
        f"/api/v1/customers/{customer_id}", json={"organisation_id": organisation_id}
    )
    assert response.status_code == 200, response.text


async def test_a_customer_s_organisation_is_told_when_an_agent_changes_it(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    admin = await desk.agent(role="admin", name="Ada")
    ada = {"type": "agent", "id": admin.id, "name": "Ada", "email": admin.user["email"]}
    await subscribe(admin, hooks, events=CUSTOMERS)
    acme = await organisation(admin, name="Acme", domains=["acme.example"])
    in_acme = {"id": acme["id"], "name": "Acme"}
    grace = await create(admin, name="Grace", emails=["grace@acme.example"])
    bob = await create(admin, name="Bob", emails=["bob@other.example"])
    await choose(admin, bob["id"], acme["id"])
    # Chosen again: nothing changed, nothing told.
    await choose(admin, bob["id"], acme["id"])
    await choose(admin, bob["id"], None)
    # Merged into a customer without one, Grace's organisation goes to the customer kept.
    merged = await admin.client.post(
        f"/api/v1/customers/{bob['id']}/merge", json={"source_id": grace["id"]}
    )
    assert merged.status_code == 200, merged.text
    await deliver_all(app)

    assert all(r.verified for r in hooks.requests)
    events = hooks.events()
    assert [(e["type"], e["data"]["customer"]["id"]) for e in events] == [
        ("customer.created", grace["id"]),
        ("customer.created", bob["id"]),
        ("customer.updated", bob["id"]),
        ("customer.updated", bob["id"]),
        ("customer.merged", bob["id"]),
    ]
    created_grace, created_bob, chosen, cleared, merge = (e["data"] for e in events)
    assert created_grace["customer"]["organisation"] == in_acme
    assert created_bob["customer"]["organisation"] is None
    assert chosen["customer"]["organisation"] == in_acme
    assert chosen["diff"] == {"organisation": {"from": None, "to": in_acme}}
    assert chosen["actor"] == ada
    assert cleared["diff"] == {"organisation": {"from": in_acme, "to": None}}
    assert merge["customer"]["organisation"] == in_acme
    assert merge["diff"]["organisation"] == {"from": None, "to": in_acme}


async def test_a_domain_added_tells_each_customer_it_joins_a_few_a_transaction(
    app: FastAPI, settings: Settings, desk: Desk, hooks: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = await desk.agent(role="admin", name="Ada")
    await subscribe(admin, hooks, events=["customer.updated"])
    made = [await create(admin, name=f"C{i}", emails=[f"c{i}@acme.example"]) for i in range(3)]
    await create(admin, name="Elsewhere", emails=["e@other.example"])
    monkeypatch.setattr(service, "TOLD", 2)
    acme = await organisation(admin, name="Acme", domains=["acme.example"])
    in_acme = {"id": acme["id"], "name": "Acme"}
    # The request joined (and told) two; the third waits for the loop.
    assert acme["customer_count"] == 2
    await deliver_all(app)
    assert [e["data"]["customer"]["id"] for e in hooks.events()] == [c["id"] for c in made[:2]]
    assert await join_customers(app.state.sessionmaker, settings) == 1
    await deliver_all(app)

    events = hooks.events()
    assert [(e["type"], e["data"]["customer"]["id"]) for e in events] == [
        ("customer.updated", c["id"]) for c in made
    ]
    for event in events:
        assert event["data"]["customer"]["organisation"] == in_acme
        assert event["data"]["diff"] == {"organisation": {"from": None, "to": in_acme}}
        # The joining is frontdesk's, whoever added the domain.
        assert event["data"]["actor"] == {"type": "system"}
