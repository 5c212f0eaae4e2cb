"""The ticket list filtered by the customer's organisation (docs/desk.md, "Filters and views"):
`organisation_id` on the list, paged with its cursor, on the CSV file and in a saved view; the
ticket's current customer counts (a merge, a choice by hand); an organisation that does not
exist lists nothing, and a view of one deleted says it is missing. SQLite alone but the pages
and the counts, on both stores: the filter is a subquery of the keyset-paged list, whose plan is
checked on each."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, text

from frontdesk.audit.models import AuditEvent
from frontdesk.db.session import unit_of_work
from frontdesk.tickets import queries
from frontdesk.tickets.models import TicketState
from frontdesk.users.models import Role, User
from tests.conftest import BOTH_STORES, POSTGRESQL_ONLY, SQLITE_ITSELF, SQLITE_ONLY, Agent, Desk
from tests.unit.support import error_of, fields_of, new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY

LIST = "/api/v1/tickets"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def organisation(admin: Agent, name: str, domain: str) -> int:
    response = await admin.client.post(
        "/api/v1/organisations", json={"name": name, "domains": [domain]}
    )
    assert response.status_code == 201, response.text
    made: int = response.json()["id"]
    return made


async def every_page(agent: Agent, **params: Any) -> list[int]:
    """The numbers of the whole list, a ticket a page, each page from the last one's cursor."""
    numbers: list[int] = []
    cursor: dict[str, str] = {}
    while True:
        page = await agent.client.get(LIST, params={**params, "limit": 1, **cursor})
        assert page.status_code == 200, page.text
        numbers += [item["number"] for item in page.json()["items"]]
        if page.json()["next_cursor"] is None:
            return numbers
        cursor = {"cursor": page.json()["next_cursor"]}


async def first_page(agent: Agent, **params: Any) -> list[int]:
    page = await agent.client.get(LIST, params=params)
    assert page.status_code == 200, page.text
    return [item["number"] for item in page.json()["items"]]


class Acme:
    """Acme's customers (Wile, twice; Ada, closed), Globex's (Hank) and one of no organisation
    (Road), in one inbox; another inbox's Acme ticket, which the agent does not see."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    async def make(self) -> Acme:
        self.inbox = await self.desk.inbox()
        self.elsewhere = await self.desk.inbox()
        self.admin = await self.desk.agent(role="admin", inboxes=[self.inbox, self.elsewhere])
        self.agent = await self.desk.agent(inboxes=[self.inbox])
        self.acme = await organisation(self.admin, "Acme", "acme.example")
        self.globex = await organisation(self.admin, "Globex", "globex.example")

        async def filed(email: str, subject: str, **fields: Any) -> dict[str, Any]:
            return await new_ticket(
                self.admin.client, self.inbox, email=email, subject=subject, **fields
            )

        self.anvil = await filed("wile@acme.example", "Anvil arrived broken")
        self.road = await filed("road@runner.example", "Meep meep")
        self.invoice = await filed("ada@acme.example", "Invoice for March", state="closed")
        self.reseller = await filed("hank@globex.example", "Reseller terms")
        self.skates = await filed("wile@acme.example", "Rocket skates")
        self.hidden = await new_ticket(
            self.admin.client, self.elsewhere, email="wile@acme.example", subject="Elsewhere"
        )
        return self

    def numbers(self, *tickets: dict[str, Any]) -> list[int]:
        return [ticket["number"] for ticket in tickets]


@pytest.fixture
async def acme(desk: Desk) -> Acme:
    return await Acme(desk).make()


class TestTheList:
    @BOTH_STORES
    async def test_only_its_customers_tickets_every_page_once(self, acme: Acme) -> None:
        agent = acme.agent
        # Newest activity first, as any list; the other inbox's ticket never.
        expected = acme.numbers(acme.skates, acme.invoice, acme.anvil)
        assert await every_page(agent, organisation_id=acme.acme) == expected
        assert await first_page(agent, organisation_id=acme.acme) == expected
        assert await every_page(agent, organisation_id=acme.acme, sort="number") == sorted(expected)
        assert await every_page(agent, organisation_id=acme.acme, state="open") == acme.numbers(
            acme.skates, acme.anvil
        )
        assert await every_page(agent, organisation_id=acme.globex) == acme.numbers(acme.reseller)
        # An admin sees every inbox, so also the ticket elsewhere.
        assert acme.hidden["number"] in await every_page(acme.admin, organisation_id=acme.acme)

    async def test_a_cursor_continues_only_its_organisations_list(self, acme: Acme) -> None:
        agent = acme.agent
        page = await agent.client.get(LIST, params={"organisation_id": acme.acme, "limit": 1})
        cursor = page.json()["next_cursor"]
        assert cursor is not None
        for other in ({"organisation_id": acme.globex}, {}):
            refused = await agent.client.get(LIST, params={**other, "cursor": cursor})
            assert fields_of(error_of(refused, 422)) == {"cursor"}
        # A list without the filter keeps its cursors as before (the digest leaves it out).
        plain = await agent.client.get(LIST, params={"limit": 1})
        again = await agent.client.get(LIST, params={"cursor": plain.json()["next_cursor"]})
        assert again.status_code == 200, again.text

    async def test_an_organisation_that_does_not_exist_lists_nothing(self, acme: Acme) -> None:
        # As a label that does not exist: the filter names nothing, so nothing matches.
        assert await first_page(acme.agent, organisation_id=acme.globex + 1000) == []
        deleted = await acme.admin.client.delete(f"/api/v1/organisations/{acme.globex}")
        assert deleted.status_code == 204, deleted.text
        assert await first_page(acme.agent, organisation_id=acme.globex) == []
        # A bad id answers as `label_id`'s does: out of range names nothing (404), not a number
        # is a 422 naming the parameter.
        for bad, status in (("0", 404), (str(2**63), 404), ("acme", 422)):
            for name in ("organisation_id", "label_id"):
                response = await acme.agent.client.get(LIST, params={name: bad})
                error = error_of(response, status)
                if status == 422:
                    assert fields_of(error) == {name}

    async def test_the_tickets_current_customer_counts(self, acme: Acme) -> None:
        admin = acme.admin
        # Wile merged into Hank: Wile's tickets are Hank's now, and Hank is Globex's.
        wile, hank = acme.anvil["customer"]["id"], acme.reseller["customer"]["id"]
        merged = await admin.client.post(
            f"/api/v1/customers/{hank}/merge", json={"source_id": wile}
        )
        assert merged.status_code == 200, merged.text
        assert await every_page(admin, organisation_id=acme.acme) == acme.numbers(acme.invoice)
        assert sorted(await every_page(admin, organisation_id=acme.globex)) == sorted(
            acme.numbers(acme.anvil, acme.reseller, acme.skates, acme.hidden)
        )
        # Road put in Acme by hand: his ticket follows.
        road = acme.road["customer"]["id"]
        moved = await admin.client.patch(
            f"/api/v1/customers/{road}", json={"organisation_id": acme.acme}
        )
        assert moved.status_code == 200, moved.text
        assert sorted(await every_page(admin, organisation_id=acme.acme)) == sorted(
            acme.numbers(acme.invoice, acme.road)
        )

    # Both stores: its read of the audit entry's JSON is a statement no other test sends
    # to PostgreSQL (bench/store_shapes.py).
    @BOTH_STORES
    async def test_the_csv_file_holds_the_same_tickets(self, acme: Acme) -> None:
        response = await acme.agent.client.get(
            f"{LIST}/export.csv", params={"organisation_id": acme.acme, "sort": "number"}
        )
        assert response.status_code == 200, response.text
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [int(row["number"]) for row in rows] == acme.numbers(
            acme.anvil, acme.invoice, acme.skates
        )
        assert {row["customer_email"] for row in rows} == {"wile@acme.example", "ada@acme.example"}
        async with unit_of_work(acme.desk.app.state.sessionmaker) as session:
            changes = (
                await session.scalars(
                    select(AuditEvent.changes).where(AuditEvent.action == "tickets.exported")
                )
            ).all()
        assert changes == [{"filters": {"organisation_id": acme.acme}, "sort": "number"}]


class TestViews:
    @BOTH_STORES
    async def test_a_view_of_an_organisation_lists_counts_and_pages(self, acme: Acme) -> None:
        agent = acme.agent
        created = await agent.client.post(
            "/api/v1/views",
            json={
                "name": "Acme open",
                "filters": {"organisation_id": acme.acme, "state": ["open"]},
            },
        )
        assert created.status_code == 201, created.text
        view = created.json()
        assert view["filters"]["organisation_id"] == acme.acme
        assert view["missing"] == []
        expected = acme.numbers(acme.skates, acme.anvil)
        assert await every_page(agent, view_id=view["id"]) == expected
        counts = (await agent.client.get("/api/v1/views/counts")).json()["views"]
        assert counts == [{"id": view["id"], "count": 2}]
        # A view brings its own filters.
        mixed = await agent.client.get(
            LIST, params={"view_id": view["id"], "organisation_id": acme.acme}
        )
        assert fields_of(error_of(mixed, 422)) == {"view_id"}

    @BOTH_STORES
    async def test_an_unknown_organisation_is_refused_and_a_deleted_one_missing(
        self, acme: Acme
    ) -> None:
        admin = acme.admin
        refused = await admin.client.post(
            "/api/v1/views", json={"name": "Nobody", "filters": {"organisation_id": 999_999}}
        )
        assert fields_of(error_of(refused, 422)) == {"filters.organisation_id"}
        view = (
            await admin.client.post(
                "/api/v1/views",
                json={
                    "name": "Globex",
                    "shared": True,
                    "filters": {"organisation_id": acme.globex},
                },
            )
        ).json()
        assert await every_page(acme.agent, view_id=view["id"]) == acme.numbers(acme.reseller)

        deleted = await admin.client.delete(f"/api/v1/organisations/{acme.globex}")
        assert deleted.status_code == 204, deleted.text
        for agent in (admin, acme.agent):
            listed = (await agent.client.get("/api/v1/views")).json()
            assert [each["missing"] for each in listed] == [["organisation_id"]]
            one = (await agent.client.get(f"/api/v1/views/{view['id']}")).json()
            assert one["missing"] == ["organisation_id"]
            # Its customers are kept without organisation: the view shows none of them.
            assert await every_page(agent, view_id=view["id"]) == []
            counts = (await agent.client.get("/api/v1/views/counts")).json()["views"]
            assert counts == [{"id": view["id"], "count": 0}]
        fixed = await admin.client.patch(
            f"/api/v1/views/{view['id']}", json={"filters": {"organisation_id": acme.acme}}
        )
        assert fixed.status_code == 200, fixed.text
        assert fixed.json()["missing"] == []


def _list_statement(desk: Desk) -> str:
    user = User(id=1, email="a@b.c", name="A", role=Role.agent)
    criteria = queries.TicketFilter(states=(TicketState.open,), organisation_id=7)
    query = queries.page(
        queries.filtered(user, criteria), sort="-updated_at", after=(datetime.now(UTC), 9), limit=25
    )
    return str(query.compile(desk.app.state.engine, compile_kwargs={"literal_binds": True}))


class TestPlans:
    # The customers are read from their partial index (`organisation_id = 7` implies its
    # `IS NOT NULL`), never scanned; the tickets by their indexes, as the list without it.
    @SQLITE_ITSELF
    async def test_sqlite_reads_the_customers_index(self, desk: Desk) -> None:
        async with desk.app.state.engine.connect() as connection:
            plan = [
                str(row[-1])
                for row in await connection.execute(
                    text(f"EXPLAIN QUERY PLAN {_list_statement(desk)}")
                )
            ]
        assert any(
            "customers USING COVERING INDEX ix_customers_organisation" in row for row in plan
        ), plan
        assert not any(row.startswith("SCAN") for row in plan), plan

    # PostgreSQL chooses by its statistics, which a test's few rows do not make realistic: with
    # sequential scans discouraged, the partial index must be usable for the plan to take it.
    @POSTGRESQL_ONLY
    async def test_postgresql_may_read_the_customers_index(self, desk: Desk) -> None:
        async with desk.app.state.engine.connect() as connection:
            await connection.execute(text("SET enable_seqscan = off"))
            plan = "\n".join(
                str(row[0])
                for row in await connection.execute(text(f"EXPLAIN {_list_statement(desk)}"))
            )
            await connection.execute(text("RESET enable_seqscan"))
        # Which index is the planner's choice on a few rows (the partial one, or the primary key
        # with the organisation as a filter): either reads no table whole.
        on_customers = r"Index (Only )?Scan using \w+ on customers|ix_customers_organisation"
        assert re.search(on_customers, plan), plan
        assert "Seq Scan" not in plan, plan
