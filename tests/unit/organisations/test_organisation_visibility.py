"""What an organisation tells an agent (docs/desk.md, "Organisations"): its count, its customers
and its tickets are those the agent may see (customers/queries.py), on the list, the search,
its page and the API alike, for a light agent too; owners and admins see and count them all,
and the delete dialog's number is theirs. Both stores: the count is SQL written for each."""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk.customers.models import Customer
from tests.conftest import BOTH_STORES, Agent, Desk
from tests.unit.organisations.test_organisations_api import new_customer, new_organisation
from tests.unit.support import count_rows, new_ticket, statements, use_cheap_passwords, verbs

pytestmark = BOTH_STORES


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def counts(agent: Agent, **params: Any) -> dict[str, int]:
    response = await agent.client.get("/api/v1/organisations", params=params)
    assert response.status_code == 200, response.text
    return {o["name"]: o["customer_count"] for o in response.json()["items"]}


async def listed(agent: Agent, url: str) -> list[str]:
    response = await agent.client.get(url, params={"limit": 100})
    assert response.status_code == 200, response.text
    return [item.get("subject") or item["emails"][0] for item in response.json()["items"]]


async def test_an_agent_counts_and_lists_only_the_customers_and_tickets_of_their_inboxes(
    desk: Desk,
) -> None:
    admin = await desk.agent(role="admin")
    agent = await desk.agent()
    mine = await desk.inbox(name="Mine", members=[agent])
    theirs = await desk.inbox(name="Theirs")
    light = await desk.agent(role="collaborator", inboxes=[mine])
    acme = await new_organisation(admin, name="Acme", domains=["acme.example"])
    await new_organisation(admin, name="Globex", domains=["globex.example"])
    await new_ticket(admin.client, mine, email="wile@acme.example", subject="Mine 1")
    await new_ticket(admin.client, theirs, email="boss@acme.example", subject="Theirs 1")
    await new_ticket(admin.client, theirs, email="cfo@acme.example", subject="Theirs 2")
    await new_ticket(admin.client, mine, email="wile@acme.example", subject="Mine 2")
    await new_ticket(admin.client, theirs, email="hank@globex.example", subject="Theirs 3")
    # A customer the agent created, with no ticket yet: theirs to see (and count).
    await new_customer(agent, name="Kit", emails=["kit@acme.example"])
    url = f"/api/v1/organisations/{acme['id']}"

    # The list, its search and the page: only their customers, the number the list shows.
    assert await counts(agent) == {"Acme": 2, "Globex": 0}
    assert await counts(agent, q="globex.example") == {"Globex": 0}
    assert (await agent.client.get(url)).json()["customer_count"] == 2
    assert await listed(agent, f"{url}/customers") == ["wile@acme.example", "kit@acme.example"]
    assert await listed(agent, f"{url}/tickets") == ["Mine 2", "Mine 1"]

    # A light agent reads what an agent of the same inboxes reads (not the agent's own Kit).
    assert await counts(light) == {"Acme": 1, "Globex": 0}
    assert (await light.client.get(url)).json()["customer_count"] == 1
    assert await listed(light, f"{url}/customers") == ["wile@acme.example"]
    assert await listed(light, f"{url}/tickets") == ["Mine 2", "Mine 1"]

    # An admin sees and counts them all: the number the delete dialog shows, all kept.
    assert await counts(admin) == {"Acme": 4, "Globex": 1}
    assert await counts(admin, q="globex.example") == {"Globex": 1}
    assert (await admin.client.get(url)).json()["customer_count"] == 4
    assert len(await listed(admin, f"{url}/customers")) == 4
    assert await listed(admin, f"{url}/tickets") == ["Mine 2", "Theirs 2", "Theirs 1", "Mine 1"]
    assert (await admin.client.delete(url)).status_code == 204
    assert await count_rows(desk.app, Customer, Customer.organisation_id.is_(None)) == 4


async def test_the_agents_counts_are_one_statement_whatever_the_page(desk: Desk) -> None:
    admin = await desk.agent(role="admin")
    agent = await desk.agent()
    mine = await desk.inbox(name="Mine", members=[agent])
    for name in ("Acme", "Globex"):
        domain = f"{name.lower()}.example"
        await new_organisation(admin, name=name, domains=[domain])
        await new_ticket(admin.client, mine, email=f"a@{domain}")
    with statements(desk.app) as sent:
        assert await counts(agent) == {"Acme": 1, "Globex": 1}
    two = verbs(sent)
    for name in ("Initech", "Umbrella", "Hooli"):
        domain = f"{name.lower()}.example"
        await new_organisation(admin, name=name, domains=[domain])
        await new_ticket(admin.client, mine, email=f"a@{domain}")
        await new_ticket(admin.client, mine, email=f"b@{domain}")
    with statements(desk.app) as sent:
        assert await counts(agent) == {
            "Acme": 1,
            "Globex": 1,
            "Hooli": 2,
            "Initech": 2,
            "Umbrella": 2,
        }
    assert verbs(sent) == two
    assert sum("count(" in sql.lower() for sql in sent) == 1
