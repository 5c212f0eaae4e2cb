"""The organisation's "Members see each other's requests in the help center" through the API
(docs/desk.md, "Organisations"; docs/portal.md, "Your organisation's requests"): off by
default, set at creation or by an edit (owners and admins only), shown on reads, in the audit
log, and told in `organisation.updated`'s diff. A request its customer marks solved in the portal
("This is solved") is told as `ticket.updated` by the customer."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from frontdesk.db.session import unit_of_work
from frontdesk.portal import service as portal_service
from frontdesk.portal.service import Viewer
from frontdesk.tickets.models import Ticket
from tests.conftest import SQLITE_ONLY, Desk
from tests.unit.support import use_cheap_passwords
from tests.unit.webhooks.receiver import Receiver
from tests.unit.webhooks.test_webhook_inboxes import told, webhook

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def test_the_setting_is_read_written_audited_and_told(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    admin = await desk.agent(role="admin", name="Ada")
    agent = await desk.agent(name="Bob")
    owner = await desk.agent(role="owner", name="Olga")
    crm = await webhook(admin, hooks, events=["organisation.updated"])

    made = await admin.client.post("/api/v1/organisations", json={"name": "Acme"})
    assert made.status_code == 201, made.text
    assert made.json()["shared_requests"] is False
    path = f"/api/v1/organisations/{made.json()['id']}"
    shared = await admin.client.post(
        "/api/v1/organisations", json={"name": "Beta", "shared_requests": True}
    )
    assert shared.json()["shared_requests"] is True

    # An agent reads it, and may not change it.
    assert (await agent.client.get(path)).json()["shared_requests"] is False
    refused = await agent.client.patch(path, json={"shared_requests": True})
    assert refused.status_code == 403
    assert "organisations_admins_only" in refused.text
    null = await admin.client.patch(path, json={"shared_requests": None})
    assert null.status_code == 422

    on = await admin.client.patch(path, json={"shared_requests": True})
    assert on.status_code == 200, on.text
    assert on.json()["shared_requests"] is True
    assert (await admin.client.get(path)).json()["shared_requests"] is True

    (event,) = await told(admin, crm["id"])
    assert event["type"] == "organisation.updated"
    assert event["data"]["diff"] == {"shared_requests": {"from": False, "to": True}}
    assert event["data"]["organisation"]["shared_requests"] is True

    entries = (await owner.client.get("/api/v1/audit-events")).json()["items"]
    updated = [e for e in entries if e["action"] == "organisation.updated"]
    assert [e["changes"] for e in updated] == [{"shared_requests": [False, True]}]
    created = {e["target_label"]: e for e in entries if e["action"] == "organisation.created"}
    assert created["Beta"]["changes"]["shared_requests"] is True
    assert created["Acme"]["changes"]["shared_requests"] is False


async def test_a_request_the_customer_marks_solved_is_told_as_theirs(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    inbox = await desk.inbox(name="Support")
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada")
    crm = await webhook(admin, hooks, events=["ticket.updated"])
    made = await admin.client.post(
        "/api/v1/tickets",
        json={
            "inbox_id": inbox["id"],
            "customer": {"email": "cora@acme.example", "name": "Cora"},
            "subject": "Invoice copy",
        },
    )
    assert made.status_code == 201, made.text
    ticket = made.json()
    async with unit_of_work(app.state.sessionmaker) as session:
        found = await session.get(Ticket, ticket["id"])
        assert found is not None
        cora = Viewer(ticket["customer_id"], "digest", "Cora")
        await portal_service.mark_solved(session, viewer=cora, ticket=found)

    (event,) = await told(admin, crm["id"])
    state = event["data"]["diff"]["state"]
    assert (state["from"], state["to"]) == ("open", "closed")
    by_customer = {"type": "customer", "id": ticket["customer_id"], "email": None}
    assert state["by"] == by_customer
    assert event["data"]["actor"] == by_customer
