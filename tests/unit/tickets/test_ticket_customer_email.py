"""`customer_email` on every ticket of a list, read for the whole page at once: an integrator
listing tickets to mail their customers makes no second call per ticket."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SQLITE_ONLY, Agent, Desk, Statements
from tests.unit.support import new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def _listed(agent: Agent, inbox: dict[str, Any]) -> dict[int, Any]:
    response = await agent.client.get("/api/v1/tickets", params={"inbox_id": inbox["id"]})
    assert response.status_code == 200, response.text
    return {item["id"]: item["customer_email"] for item in response.json()["items"]}


async def test_each_ticket_names_its_customers_primary_address(desk: Desk) -> None:
    ada = await desk.agent()
    inbox = await desk.inbox(members=[ada])
    customer = await ada.client.post(
        "/api/v1/customers",
        json={"name": "Marie", "emails": ["marie@example.org", "m.curie@example.org"]},
    )
    phone_only = await ada.client.post(
        "/api/v1/customers", json={"name": "Pierre", "phones": ["+33 1 23 45 67"]}
    )
    assert (customer.status_code, phone_only.status_code) == (201, 201), phone_only.text
    first = await new_ticket(ada.client, inbox, customer={"id": customer.json()["id"]})
    second = await new_ticket(ada.client, inbox, email="cora@example.org")
    silent = await new_ticket(ada.client, inbox, customer={"id": phone_only.json()["id"]})
    assert await _listed(ada, inbox) == {
        first["id"]: "marie@example.org",
        second["id"]: "cora@example.org",
        silent["id"]: None,
    }
    # The same on one ticket, and after a change.
    detail = await ada.client.get(f"/api/v1/tickets/{first['id']}")
    assert detail.json()["customer_email"] == "marie@example.org"
    changed = await ada.client.patch(f"/api/v1/tickets/{second['id']}", json={"state": "hold"})
    assert changed.json()["customer_email"] == "cora@example.org"


async def test_a_longer_page_sends_no_more_statements(desk: Desk, statements: Statements) -> None:
    ada = await desk.agent()
    inbox = await desk.inbox(members=[ada])
    for n in range(2):
        await new_ticket(ada.client, inbox, email=f"early{n}@example.org")
    with statements.count() as short:
        assert len(await _listed(ada, inbox)) == 2
    for n in range(6):
        await new_ticket(ada.client, inbox, email=f"later{n}@example.org")
    with statements.count() as long:
        emails = await _listed(ada, inbox)
    assert len(emails) == 8
    assert all(emails.values())
    assert len(long) == len(short), long
