"""An organisation created, edited and deleted is told (docs/webhooks.md, "Organisations"):
`organisation.created`, `.updated` with each field from what to what, `.deleted` with the
organisation as it was; its notes (the agents', for agents) only to a webhook that includes
internal notes, as a customer's are; nothing to a webhook for some inboxes only; nothing for a
change rolled back. Read through the API's delivery log (nothing is sent); the first test on
PostgreSQL too, for the statements that read an organisation for its event."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.support import use_cheap_passwords
from tests.unit.webhooks.receiver import Receiver
from tests.unit.webhooks.test_webhook_inboxes import told, webhook

pytestmark = SQLITE_ONLY

ORGANISATIONS = ["organisation.created", "organisation.updated", "organisation.deleted"]


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@BOTH_STORES
async def test_an_organisation_is_told_from_creation_to_deletion(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    inbox = await desk.inbox(name="Billing")
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada")
    ada = {"type": "agent", "id": admin.id, "name": "Ada", "email": admin.user["email"]}
    crm = await webhook(admin, hooks, events=ORGANISATIONS)
    notes = await webhook(admin, hooks, events=ORGANISATIONS, include_internal=True)
    team = await webhook(admin, hooks, events=ORGANISATIONS, inbox_ids=[inbox["id"]])

    created = await admin.client.post(
        "/api/v1/organisations",
        json={"name": "Acme", "domains": ["acme.example"], "notes": "Key account"},
    )
    assert created.status_code == 201, created.text
    acme = created.json()
    path = f"/api/v1/organisations/{acme['id']}"
    joined = await admin.client.post(
        "/api/v1/customers", json={"name": "Grace", "emails": ["grace@acme.example"]}
    )
    assert joined.status_code == 201, joined.text
    renamed = await admin.client.patch(
        path, json={"name": "Acme Inc", "domains": ["acme.example", "acme-inc.example"]}
    )
    assert renamed.status_code == 200, renamed.text
    # Saved as it is: nothing changed, nothing told.
    same = await admin.client.patch(path, json={"name": "Acme Inc"})
    assert same.status_code == 200, same.text
    noted = await admin.client.patch(path, json={"notes": "Pays late"})
    assert noted.status_code == 200, noted.text
    # Refused (a free-mail domain): rolled back, not told.
    refused = await admin.client.patch(path, json={"name": "Acme SA", "domains": ["gmail.com"]})
    assert refused.status_code == 422, refused.text
    gone = await admin.client.delete(path)
    assert gone.status_code == 204, gone.text

    outside = await told(admin, crm["id"])
    inside = await told(admin, notes["id"])
    assert [e["type"] for e in outside] == [
        "organisation.created",
        "organisation.updated",
        "organisation.deleted",
    ]
    # The change of the notes alone goes to the webhook with internal notes alone.
    assert [e["type"] for e in inside] == [
        "organisation.created",
        "organisation.updated",
        "organisation.updated",
        "organisation.deleted",
    ]
    assert await told(admin, team["id"]) == []

    made, changed, deleted = (e["data"] for e in outside)
    assert made["actor"] == ada
    assert {k: made["organisation"][k] for k in ("id", "name", "domains", "customer_count")} == {
        "id": acme["id"],
        "name": "Acme",
        "domains": ["acme.example"],
        "customer_count": 0,
    }
    assert "notes" not in made["organisation"]
    assert changed["diff"] == {
        "name": {"from": "Acme", "to": "Acme Inc"},
        # In alphabetical order, as the API lists them.
        "domains": {"from": ["acme.example"], "to": ["acme-inc.example", "acme.example"]},
    }
    assert changed["organisation"]["name"] == "Acme Inc"
    assert changed["actor"] == ada
    # As it was, with the customers it had.
    assert deleted["organisation"]["name"] == "Acme Inc"
    assert deleted["organisation"]["customer_count"] == 1
    assert "notes" not in deleted["organisation"]
    assert deleted["actor"] == ada

    made_in, changed_in, noted_in, deleted_in = (e["data"] for e in inside)
    assert made_in["organisation"]["notes"] == "Key account"
    assert "notes" not in changed_in["diff"]
    assert noted_in["diff"] == {"notes": {"from": "Key account", "to": "Pays late"}}
    assert deleted_in["organisation"]["notes"] == "Pays late"


async def test_the_organisation_events_are_in_the_catalogue(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    admin: Agent = await desk.agent(role="admin")
    made = await webhook(admin, hooks, events=ORGANISATIONS)
    assert made["events"] == ORGANISATIONS
    schema = (await admin.client.get("/openapi.json")).json()
    catalogue: Any = schema["components"]["schemas"]["WebhookEvent"]["enum"]
    assert set(ORGANISATIONS) <= set(catalogue)
