"""A ticket an agent filed on the address of a customer they cannot see (docs/api.md, "Which
customers an agent sees") is theirs, in their inbox, but says nothing of where that customer
belongs: an organisation's tickets, the ticket list's `organisation_id` filter and a view of it
(its count too) leave it out for the agent, and the organisation's count of customers does not
count them; owners and admins list it there. Once the agent may see the customer by other means,
the ticket is listed, its customer named. Both stores: the test of the ticket's customer is SQL
written for each."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import BOTH_STORES, Agent, Desk
from tests.unit.organisations.test_organisations_api import new_organisation
from tests.unit.support import new_ticket, use_cheap_passwords

pytestmark = BOTH_STORES


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def read(agent: Agent, url: str, **params: Any) -> Any:
    response = await agent.client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def organisation_tickets(agent: Agent, organisation_id: int) -> list[tuple[str, str]]:
    """(subject, customer's name) of the organisation's page of tickets."""
    page = await read(agent, f"/api/v1/organisations/{organisation_id}/tickets", limit=100)
    return [(item["subject"], item["customer_name"]) for item in page["items"]]


async def filtered_list(agent: Agent, **params: Any) -> list[str]:
    page = await read(agent, "/api/v1/tickets", limit=100, **params)
    return [item["subject"] for item in page["items"]]


async def view_count(agent: Agent, organisation_id: int) -> int:
    created = await agent.client.post(
        "/api/v1/views",
        json={"name": f"Acme {agent.id}", "filters": {"organisation_id": organisation_id}},
    )
    assert created.status_code == 201, created.text
    counts = (await read(agent, "/api/v1/views/counts"))["views"]
    return int(next(c["count"] for c in counts if c["id"] == created.json()["id"]))


async def test_a_ticket_filed_on_a_hidden_customer_is_not_listed_under_their_organisation(
    desk: Desk,
) -> None:
    admin = await desk.agent(role="admin", name="Admin")
    agent = await desk.agent(name="Agent")
    mine = await desk.inbox(name="Mine", members=[agent])
    theirs = await desk.inbox(name="Theirs")
    acme = await new_organisation(admin, name="Acme", domains=["acme.example"])
    await new_ticket(
        admin.client,
        theirs,
        subject="Theirs",
        customer={"email": "boss@acme.example", "name": "Boss"},
    )
    await new_ticket(
        admin.client, mine, subject="Seen", customer={"email": "wile@acme.example", "name": "Wile"}
    )
    # The agent types the address of Boss, whom only the other inbox knows.
    typed = await new_ticket(agent.client, mine, email="boss@acme.example", subject="Typed")
    assert typed["customer"] is None
    url = f"/api/v1/organisations/{acme['id']}"

    # The agent: Wile's ticket and Wile alone, counted as listed; the typed ticket stays theirs
    # in their inbox, only not under Acme.
    assert await organisation_tickets(agent, acme["id"]) == [("Seen", "Wile")]
    assert await filtered_list(agent, organisation_id=acme["id"]) == ["Seen"]
    assert await view_count(agent, acme["id"]) == 1
    assert (await read(agent, url))["customer_count"] == 1
    customers = await read(agent, f"{url}/customers")
    assert [c["name"] for c in customers["items"]] == ["Wile"]
    assert sorted(await filtered_list(agent, inbox_id=mine["id"])) == ["Seen", "Typed"]

    # An admin lists and counts them all, Boss named on the typed ticket.
    assert await organisation_tickets(admin, acme["id"]) == [
        ("Typed", "Boss"),
        ("Seen", "Wile"),
        ("Theirs", "Boss"),
    ]
    assert await filtered_list(admin, organisation_id=acme["id"]) == ["Typed", "Seen", "Theirs"]
    assert await view_count(admin, acme["id"]) == 3
    assert (await read(admin, url))["customer_count"] == 2

    # Boss writes to the agent's inbox: the agent sees Boss now, and the typed ticket joins
    # Acme's, its customer named as the ticket's own page names them.
    await new_ticket(
        admin.client, mine, subject="Boss wrote", customer={"email": "boss@acme.example"}
    )
    assert await organisation_tickets(agent, acme["id"]) == [
        ("Boss wrote", "Boss"),
        ("Typed", "Boss"),
        ("Seen", "Wile"),
    ]
    assert await filtered_list(agent, organisation_id=acme["id"]) == [
        "Boss wrote",
        "Typed",
        "Seen",
    ]
    assert (await read(agent, url))["customer_count"] == 2
    again = await read(agent, f"/api/v1/tickets/{typed['id']}")
    assert again["customer"]["name"] == "Boss"
