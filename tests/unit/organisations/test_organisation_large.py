"""A large organisation's pages of tickets (docs/performance.md, "A large organisation's
tickets"): from `WALK_FROM` tickets of its customers, the page is read in the list's own
order, testing each ticket's organisation (and an agent's inboxes) in turn, and stops when the
page is full; a small one's tickets are read by their customers' index and sorted. Either way
the pages hold the same tickets, in the same order, with the same cursors, and the same rules
(an agent's inboxes, the customers they may see). The pages on both stores (PostgreSQL walks
too, testing the agent's inboxes its own way); the plans on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from frontdesk.db.session import unit_of_work
from frontdesk.organisations import queries as organisations_queries
from tests.conftest import BOTH_STORES, SQLITE_ITSELF, SQLITE_ONLY, Agent, Desk
from tests.unit.organisations.test_organisations_api import new_organisation
from tests.unit.support import new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY

ITS_TICKETS = "/api/v1/organisations/{}/tickets"
LIST = "/api/v1/tickets"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def every_page(agent: Agent, url: str, **params: Any) -> list[tuple[str, str | None]]:
    """(subject, customer's name) of the whole list, a ticket a page, each from the last
    page's cursor."""
    found: list[tuple[str, str | None]] = []
    cursor: dict[str, str] = {}
    while True:
        page = await agent.client.get(url, params={**params, "limit": 1, **cursor})
        assert page.status_code == 200, page.text
        for item in page.json()["items"]:
            name = item.get("customer_name", (item.get("customer") or {}).get("name"))
            found.append((item["subject"], name))
        if page.json()["next_cursor"] is None:
            return found
        cursor = {"cursor": page.json()["next_cursor"]}


class Acme:
    """Acme's customers in the agent's inbox and another, a ticket the agent filed on the
    address of a customer only the other inbox knows, a spam ticket, and Globex's."""

    async def make(self, desk: Desk) -> Acme:
        self.mine = await desk.inbox(name="Mine")
        theirs = await desk.inbox(name="Theirs")
        self.admin = await desk.agent(role="admin")
        self.agent = await desk.agent(inboxes=[self.mine])
        self.acme = (await new_organisation(self.admin, name="Acme", domains=["acme.example"]))[
            "id"
        ]
        await new_organisation(self.admin, name="Globex", domains=["globex.example"])

        async def filed(
            inbox: dict[str, Any], email: str, subject: str, **fields: Any
        ) -> dict[str, Any]:
            customer = {"email": email, "name": email.split("@")[0].title()}
            return await new_ticket(
                self.admin.client, inbox, subject=subject, customer=customer, **fields
            )

        await filed(theirs, "boss@acme.example", "Theirs")
        await filed(self.mine, "wile@acme.example", "Anvil")
        await filed(self.mine, "hank@globex.example", "Reseller")
        # The agent types the address of Boss, whom only the other inbox knows.
        await new_ticket(self.agent.client, self.mine, email="boss@acme.example", subject="Typed")
        await filed(self.mine, "ada@acme.example", "Invoice", state="closed")
        spam = await filed(self.mine, "spam@acme.example", "Spam")
        marked = await self.admin.client.post(f"/api/v1/tickets/{spam['id']}/spam", json={})
        assert marked.status_code == 200, marked.text
        await filed(self.mine, "wile@acme.example", "Skates")
        return self

    async def pages(self) -> list[list[tuple[str, str | None]]]:
        return [
            await every_page(agent, url, **params)
            for agent in (self.agent, self.admin)
            for url, params in (
                (ITS_TICKETS.format(self.acme), {}),
                (LIST, {"organisation_id": self.acme}),
                (LIST, {"organisation_id": self.acme, "sort": "number"}),
                (LIST, {"organisation_id": self.acme, "state": "open"}),
            )
        ]


# Both stores: each walks, with the agent's inboxes tested its own way.
@BOTH_STORES
async def test_walking_the_list_gives_the_pages_sorting_gives(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme = await Acme().make(desk)
    async with unit_of_work(desk.app.state.sessionmaker) as session:
        # Acme's customers have 6 tickets.
        for walk_from, walks in ((6, True), (7, False)):
            monkeypatch.setattr(organisations_queries, "WALK_FROM", walk_from)
            walk = await organisations_queries.walks(session, organisation_id=acme.acme)
            assert (walk is not None) is walks
            if walk is not None:
                # The agent's inboxes are tested per ticket on SQLite alone.
                assert walk.inboxes is (desk.app.state.engine.dialect.name == "sqlite")
    monkeypatch.setattr(organisations_queries, "WALK_FROM", 10**9)
    sorted_pages = await acme.pages()
    monkeypatch.setattr(organisations_queries, "WALK_FROM", 1)
    walked_pages = await acme.pages()
    assert walked_pages == sorted_pages
    agent_its, agent_list, agent_numbers, agent_open = walked_pages[:4]
    # The agent: their inbox's, no spam, not the ticket on Boss's address, newest first.
    assert agent_its == [("Skates", "Wile"), ("Invoice", "Ada"), ("Anvil", "Wile")]
    assert [subject for subject, _ in agent_list] == ["Skates", "Invoice", "Anvil"]
    assert [subject for subject, _ in agent_numbers] == ["Anvil", "Invoice", "Skates"]
    assert [subject for subject, _ in agent_open] == ["Skates", "Anvil"]
    # An admin: every inbox, Boss named.
    assert walked_pages[4] == [
        ("Skates", "Wile"),
        ("Invoice", "Ada"),
        ("Typed", "Boss"),
        ("Anvil", "Wile"),
        ("Theirs", "Boss"),
    ]


@contextmanager
def pages_sent(desk: Desk) -> Iterator[list[tuple[str, Any]]]:
    """The statements of the tickets' pages the app sends meanwhile, with their parameters."""
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().startswith("SELECT tickets.") and "LIMIT" in statement:
            sent.append((statement, parameters))

    engine = desk.app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def plans_of(desk: Desk, sent: list[tuple[str, Any]]) -> list[list[str]]:
    plans = []
    async with desk.app.state.engine.connect() as connection:
        for statement, parameters in sent:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            cursor = await driver.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plans.append([str(row[-1]) for row in await cursor.fetchall()])
    return plans


# The plan SQLite gives each page, on a desk without statistics as the app runs it: a large
# organisation's page walks the list's order (the key, or (updated_at, id)) and sorts nothing;
# a small one's reads its customers' tickets by their index.
@SQLITE_ITSELF
async def test_a_large_organisations_page_sorts_nothing(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme = await Acme().make(desk)
    for walk_from in (1, 10**9):
        monkeypatch.setattr(organisations_queries, "WALK_FROM", walk_from)
        for agent in (acme.agent, acme.admin):
            with pages_sent(desk) as sent:
                for url, params in (
                    (ITS_TICKETS.format(acme.acme), {}),
                    (LIST, {"organisation_id": acme.acme}),
                ):
                    page = await agent.client.get(url, params={**params, "limit": 1})
                    assert page.status_code == 200, page.text
                    cursor = page.json()["next_cursor"]
                    again = await agent.client.get(url, params={**params, "cursor": cursor})
                    assert again.status_code == 200, again.text
            plans = await plans_of(desk, sent)
            assert len(plans) == 4, sent
            for plan in plans:
                main = [row for row in plan if "tickets USING" in row or row == "SCAN tickets"]
                if walk_from == 1:
                    assert not any("TEMP B-TREE FOR ORDER BY" in row for row in plan), plan
                    assert all(
                        "ix_tickets_customer" not in row and "ix_tickets_inbox" not in row
                        for row in main
                    ), plan
                else:
                    assert any(
                        "ix_tickets_customer_updated_inbox (customer_id=?" in row for row in main
                    ), plan
