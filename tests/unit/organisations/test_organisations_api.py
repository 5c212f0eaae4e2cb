"""Organisations (docs/desk.md, "Organisations"): who manages them, names and domains refused in
words, customers joining by their address's domain (on creation, and when a domain is added, a
range of contacts a transaction), a choice by hand kept, the customers' and tickets' lists,
merges, the export and the erasure, the audit log. SQLite alone but unique keys, bad input,
searches, pages and the domains' cascade, on both stores."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.customers.models import Customer
from frontdesk.organisations import service
from frontdesk.organisations.models import Organisation, OrganisationDomain
from frontdesk.organisations.timers import join_customers
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.privacy.test_privacy_api import unpacked
from tests.unit.support import count_rows, error_of, fields_of, new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def new_organisation(admin: Agent, **body: Any) -> dict[str, Any]:
    response = await admin.client.post("/api/v1/organisations", json=body)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


async def new_customer(agent: Agent, **body: Any) -> dict[str, Any]:
    response = await agent.client.post("/api/v1/customers", json=body)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


async def customer(agent: Agent, customer_id: int) -> dict[str, Any]:
    response = await agent.client.get(f"/api/v1/customers/{customer_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


class TestManage:
    @BOTH_STORES
    async def test_create_read_list_edit_delete(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        acme = await new_organisation(
            admin,
            name="  Acme   Corp ",
            domains=["@ACME.example", "acme.example", "Acme-EU.example."],
            notes=" Key account. ",
        )
        assert acme["name"] == "Acme Corp"
        assert acme["domains"] == ["acme-eu.example", "acme.example"]
        assert acme["notes"] == "Key account."
        assert acme["customer_count"] == 0
        assert (await admin.client.get(f"/api/v1/organisations/{acme['id']}")).json() == acme
        await new_organisation(admin, name="Globex", domains=["globex.example"])
        await new_customer(admin, name="Wile", emails=["wile@acme.example"])

        listed = (await admin.client.get("/api/v1/organisations")).json()
        assert [(o["name"], o["customer_count"]) for o in listed["items"]] == [
            ("Acme Corp", 1),
            ("Globex", 0),
        ]
        for q in ("acme", "EU.exam", "corp"):
            found = (await admin.client.get("/api/v1/organisations", params={"q": q})).json()
            assert [o["name"] for o in found["items"]] == ["Acme Corp"], q
        first = (await admin.client.get("/api/v1/organisations", params={"limit": 1})).json()
        assert [o["name"] for o in first["items"]] == ["Acme Corp"]
        rest = (
            await admin.client.get(
                "/api/v1/organisations", params={"limit": 1, "cursor": first["next_cursor"]}
            )
        ).json()
        assert [o["name"] for o in rest["items"]] == ["Globex"]
        assert rest["next_cursor"] is None

        edited = await admin.client.patch(
            f"/api/v1/organisations/{acme['id']}",
            json={"name": "ACME Corporation", "domains": ["acme.example"], "notes": ""},
        )
        assert edited.status_code == 200, edited.text
        assert edited.json()["name"] == "ACME Corporation"
        assert edited.json()["domains"] == ["acme.example"]
        assert edited.json()["notes"] == ""

    @BOTH_STORES
    async def test_delete_keeps_its_customers_without_organisation(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        acme = await new_organisation(admin, name="Acme", domains=["acme.example"])
        wile = await new_customer(admin, name="Wile", emails=["wile@acme.example"])
        assert wile["organisation"] == {"id": acme["id"], "name": "Acme"}
        deleted = await admin.client.delete(f"/api/v1/organisations/{acme['id']}")
        assert deleted.status_code == 204, deleted.text
        assert (await customer(admin, wile["id"]))["organisation"] is None
        error_of(await admin.client.get(f"/api/v1/organisations/{acme['id']}"), 404, "not_found")
        assert await count_rows(desk.app, OrganisationDomain) == 0
        # The domain is free again, and so are its customers.
        again = await new_organisation(admin, name="Acme again", domains=["acme.example"])
        assert (await customer(admin, wile["id"]))["organisation"]["id"] == again["id"]

    async def test_every_change_is_in_the_audit_log(self, desk: Desk) -> None:
        owner = await desk.agent(role="owner")
        acme = await new_organisation(owner, name="Acme", domains=["acme.example"], notes="x")
        wile = await new_customer(owner, name="Wile", emails=["wile@elsewhere.example"])
        await owner.client.patch(f"/api/v1/organisations/{acme['id']}", json={"notes": "secret"})
        await owner.client.patch(
            f"/api/v1/customers/{wile['id']}", json={"organisation_id": acme["id"]}
        )
        await owner.client.delete(f"/api/v1/organisations/{acme['id']}")
        events = (await owner.client.get("/api/v1/audit-events")).json()["items"]
        ours = {
            event["action"]: event
            for event in events
            if event["action"].startswith(("organisation.", "customer.organisation"))
        }
        assert set(ours) == {
            "organisation.created",
            "organisation.updated",
            "organisation.deleted",
            "customer.organisation_changed",
        }
        assert ours["organisation.created"]["target_label"] == "Acme"
        assert ours["customer.organisation_changed"]["target_label"] == f"customer #{wile['id']}"
        # The notes' words stay out of the log.
        assert "secret" not in json.dumps(events)


class TestRefused:
    @BOTH_STORES
    async def test_bad_input_is_refused_in_words_and_writes_nothing(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        acme = await new_organisation(admin, name="Acme", domains=["acme.example"])
        cases: list[tuple[dict[str, Any], int, str, str]] = [
            ({"name": "ACME"}, 409, "organisation_exists", "already an organisation 'Acme'"),
            (
                {"name": "Roadrunner", "domains": ["ok.example", "ACME.example"]},
                409,
                "domain_taken",
                "already belongs to the organisation 'Acme'",
            ),
            ({"name": "Mail", "domains": ["gmail.com"]}, 422, "invalid", "free email provider"),
            ({"name": "Bad", "domains": ["not a domain"]}, 422, "invalid", "is not a domain"),
            ({"name": "Bad", "domains": ["localhost"]}, 422, "invalid", "is not a domain"),
            ({"name": "   "}, 422, "invalid", ""),
            ({"name": "x" * 201}, 422, "invalid", ""),
            ({"name": "Long", "notes": "x" * 2001}, 422, "invalid", ""),
        ]
        for body, status, code, words in cases:
            response = await admin.client.post("/api/v1/organisations", json=body)
            error = error_of(response, status, code)
            assert words in error["message"] or any(
                words in field["message"] for field in error.get("fields", [])
            ), (body, error)
        assert await count_rows(desk.app, Organisation) == 1
        assert await count_rows(desk.app, OrganisationDomain) == 1
        free = error_of(
            await admin.client.post(
                "/api/v1/organisations", json={"name": "X", "domains": ["a.example", "Outlook.com"]}
            ),
            422,
        )
        assert fields_of(free) == {"domains.1"}
        # Editing meets the same refusals, and changes nothing.
        globex = await new_organisation(admin, name="Globex")
        for body, status in (
            ({"name": "acme"}, 409),
            ({"domains": ["acme.example"]}, 409),
            ({"domains": ["yahoo.com"]}, 422),
            ({"name": None}, 422),
            ({"domains": None}, 422),
        ):
            response = await admin.client.patch(f"/api/v1/organisations/{globex['id']}", json=body)
            assert response.status_code == status, (body, response.text)
        kept = (await admin.client.get(f"/api/v1/organisations/{globex['id']}")).json()
        assert (kept["name"], kept["domains"]) == ("Globex", [])
        assert (await admin.client.get(f"/api/v1/organisations/{acme['id']}")).json() == acme

    async def test_a_customer_given_no_such_organisation_is_422(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        wile = await new_customer(admin, name="Wile")
        response = await admin.client.patch(
            f"/api/v1/customers/{wile['id']}", json={"organisation_id": 999999}
        )
        assert fields_of(error_of(response, 422)) == {"organisation_id"}


class TestWhoMay:
    async def test_agents_read_and_choose_admins_manage(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        agent = await desk.agent()
        acme = await new_organisation(admin, name="Acme")
        url = f"/api/v1/organisations/{acme['id']}"
        for response in (
            await agent.client.post("/api/v1/organisations", json={"name": "Mine"}),
            await agent.client.patch(url, json={"name": "Renamed"}),
            await agent.client.delete(url),
        ):
            error = error_of(response, 403, "organisations_admins_only")
            assert "Only admins and owners" in error["message"]
        assert (await agent.client.get(url)).json()["name"] == "Acme"
        assert [
            o["name"] for o in (await agent.client.get("/api/v1/organisations")).json()["items"]
        ] == ["Acme"]
        # Any agent sets the organisation of a customer they see.
        walk_in = await new_customer(agent, name="Walk-in")
        chosen = await agent.client.patch(
            f"/api/v1/customers/{walk_in['id']}", json={"organisation_id": acme["id"]}
        )
        assert chosen.status_code == 200, chosen.text
        assert chosen.json()["organisation"] == {"id": acme["id"], "name": "Acme"}
        cleared = await agent.client.patch(
            f"/api/v1/customers/{walk_in['id']}", json={"organisation_id": None}
        )
        assert cleared.json()["organisation"] is None


class TestJoining:
    async def test_a_customer_made_by_the_contact_form_joins_by_domain(
        self, desk: Desk, visitors: Any
    ) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox()
        acme = await new_organisation(admin, name="Acme", domains=["acme.example"])
        sent = await (await visitors(inbox)).client.post(
            "/messenger/v1/contact",
            json={"name": "Wile E.", "email": "Wile@ACME.example", "text": "Anvil broke"},
        )
        assert sent.status_code == 201, sent.text
        other = await (await visitors(inbox)).client.post(
            "/messenger/v1/contact",
            json={"name": "Road", "email": "road@runner.example", "text": "Meep"},
        )
        assert other.status_code == 201, other.text
        listed = (await admin.client.get("/api/v1/customers")).json()["items"]
        by_name = {c["name"]: c["organisation"] for c in listed}
        assert by_name == {"Wile E.": {"id": acme["id"], "name": "Acme"}, "Road": None}

    async def test_a_ticket_filed_on_a_new_address_joins_by_domain(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox()
        acme = await new_organisation(admin, name="Acme", domains=["acme.example"])
        ticket = await new_ticket(admin.client, inbox, email="coyote@acme.example")
        assert (await customer(admin, ticket["customer"]["id"]))["organisation"]["id"] == acme["id"]

    @BOTH_STORES
    async def test_adding_a_domain_joins_its_existing_customers_but_not_chosen_ones(
        self, desk: Desk
    ) -> None:
        admin = await desk.agent(role="admin")
        globex = await new_organisation(admin, name="Globex")
        acme = await new_organisation(admin, name="Acme")
        wile = await new_customer(
            admin, name="Wile", emails=["a@elsewhere.example", "wile@acme.example"]
        )
        chosen = await new_customer(admin, name="Chosen", emails=["chosen@acme.example"])
        cleared = await new_customer(admin, name="Cleared", emails=["cleared@acme.example"])
        lookalike = await new_customer(admin, name="Look", emails=["x@notacme.example"])
        sub = await new_customer(admin, name="Sub", emails=["x@eu.acme.example"])
        for who, organisation_id in ((chosen, globex["id"]), (cleared, None)):
            response = await admin.client.patch(
                f"/api/v1/customers/{who['id']}", json={"organisation_id": organisation_id}
            )
            assert response.status_code == 200, response.text
        added = await admin.client.patch(
            f"/api/v1/organisations/{acme['id']}", json={"domains": ["acme.example"]}
        )
        assert added.status_code == 200, added.text
        assert added.json()["customer_count"] == 1
        organisations = {
            who["name"]: (await customer(admin, who["id"]))["organisation"]
            for who in (wile, chosen, cleared, lookalike, sub)
        }
        assert organisations == {
            "Wile": {"id": acme["id"], "name": "Acme"},
            "Chosen": {"id": globex["id"], "name": "Globex"},
            "Cleared": None,
            "Look": None,
            "Sub": None,
        }

    @BOTH_STORES
    async def test_a_large_table_is_joined_a_range_a_transaction(
        self, app: FastAPI, settings: Settings, desk: Desk, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        admin = await desk.agent(role="admin")
        made = [
            await new_customer(
                admin, name=f"C{i}", emails=[f"c{i}@acme.example", f"c{i}@b.example"]
            )
            for i in range(5)
        ]
        monkeypatch.setattr(service, "WINDOW", 3)
        acme = await new_organisation(admin, name="Acme", domains=["acme.example"])
        # The request joined the first range of contacts (ids 1-3: two customers) alone.
        assert acme["customer_count"] == 2
        pending = await count_rows(
            app, OrganisationDomain, OrganisationDomain.backfill_until.is_not(None)
        )
        assert pending == 1
        assert await join_customers(app.state.sessionmaker, settings) == 3
        joined = [(await customer(admin, c["id"]))["organisation"] for c in made]
        assert joined == [{"id": acme["id"], "name": "Acme"}] * 5
        assert (
            await count_rows(
                app, OrganisationDomain, OrganisationDomain.backfill_until.is_not(None)
            )
            == 0
        )
        assert await join_customers(app.state.sessionmaker, settings) == 0

    async def test_a_choice_by_hand_outlives_later_domains(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        acme = await new_organisation(admin, name="Acme")
        wile = await new_customer(admin, name="Wile", emails=["wile@acme.example"])
        response = await admin.client.patch(
            f"/api/v1/customers/{wile['id']}", json={"organisation_id": None}
        )
        assert response.status_code == 200
        await admin.client.patch(
            f"/api/v1/organisations/{acme['id']}", json={"domains": ["acme.example"]}
        )
        assert (await customer(admin, wile["id"]))["organisation"] is None


class TestLists:
    @BOTH_STORES
    async def test_its_customers_and_tickets_as_the_agent_sees_them(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        agent = await desk.agent()
        mine = await desk.inbox(name="Mine", members=[agent])
        theirs = await desk.inbox(name="Theirs")
        acme = await new_organisation(admin, name="Acme", domains=["acme.example"])
        first = await new_ticket(admin.client, mine, email="wile@acme.example", subject="First")
        hidden = await new_ticket(admin.client, theirs, email="boss@acme.example", subject="Hid")
        second = await new_ticket(admin.client, mine, email="wile@acme.example", subject="Second")
        await new_ticket(admin.client, mine, email="road@runner.example", subject="Not theirs")
        url = f"/api/v1/organisations/{acme['id']}"

        seen = (await agent.client.get(f"{url}/tickets")).json()
        assert [t["id"] for t in seen["items"]] == [second["id"], first["id"]]
        assert seen["items"][0]["customer_name"] == "Cora Customer"
        everything = (await admin.client.get(f"{url}/tickets", params={"limit": 2})).json()
        assert [t["id"] for t in everything["items"]] == [second["id"], hidden["id"]]
        more = (
            await admin.client.get(
                f"{url}/tickets", params={"limit": 2, "cursor": everything["next_cursor"]}
            )
        ).json()
        assert [t["id"] for t in more["items"]] == [first["id"]]
        assert more["next_cursor"] is None

        names = [c["emails"] for c in (await agent.client.get(f"{url}/customers")).json()["items"]]
        assert names == [["wile@acme.example"]]
        assert len((await admin.client.get(f"{url}/customers")).json()["items"]) == 2
        # The count is of those the agent may see, as the list (test_organisation_visibility.py).
        assert (await agent.client.get(url)).json()["customer_count"] == 1
        assert (await admin.client.get(url)).json()["customer_count"] == 2
        error_of(await agent.client.get(f"{url}/tickets", params={"cursor": "nope"}), 422)

    @BOTH_STORES
    async def test_names_for_a_choice_a_thousand_a_page(self, desk: Desk, app: FastAPI) -> None:
        # What the customer panel's choice and the list's filter read: ids and names by name,
        # 1,000 in one answer, the rest by its cursor or a search (docs/api.md, "Organisations").
        from frontdesk.db.session import unit_of_work
        from frontdesk.labels.service import name_key

        agent = await desk.agent(role="collaborator")
        async with unit_of_work(app.state.sessionmaker) as session:
            names = [f"Account {n:04}" for n in range(1001)]
            session.add_all(Organisation(name=name, name_key=name_key(name)) for name in names)
        first = await agent.client.get("/api/v1/organisations/names")
        assert first.status_code == 200, first.text
        page = first.json()
        assert [o["name"] for o in page["items"]] == names[:1000]
        assert set(page["items"][0]) == {"id", "name"}
        rest = (
            await agent.client.get(
                "/api/v1/organisations/names", params={"cursor": page["next_cursor"]}
            )
        ).json()
        assert [o["name"] for o in rest["items"]] == ["Account 1000"]
        assert rest["next_cursor"] is None
        found = (
            await agent.client.get("/api/v1/organisations/names", params={"q": "unt 099"})
        ).json()
        assert [o["name"] for o in found["items"]] == [f"Account 099{n}" for n in range(10)]
        error_of(await agent.client.get("/api/v1/organisations/names", params={"limit": 1001}), 422)


class TestMergeAndPrivacy:
    async def test_a_merge_keeps_the_kept_customers_or_takes_the_merged_ones(
        self, desk: Desk
    ) -> None:
        admin = await desk.agent(role="admin")
        acme = await new_organisation(admin, name="Acme", domains=["acme.example"])
        globex = await new_organisation(admin, name="Globex", domains=["globex.example"])
        kept = await new_customer(admin, name="Kept", emails=["kept@else.example"])
        merged = await new_customer(admin, name="Merged", emails=["m@acme.example"])
        response = await admin.client.post(
            f"/api/v1/customers/{kept['id']}/merge", json={"source_id": merged["id"]}
        )
        assert response.json()["organisation"] == {"id": acme["id"], "name": "Acme"}
        other = await new_customer(admin, name="Other", emails=["o@globex.example"])
        response = await admin.client.post(
            f"/api/v1/customers/{kept['id']}/merge", json={"source_id": other["id"]}
        )
        assert response.json()["organisation"] == {"id": acme["id"], "name": "Acme"}
        assert (await admin.client.get(f"/api/v1/organisations/{globex['id']}")).json()[
            "customer_count"
        ] == 0

    async def test_the_export_names_it_and_the_erasure_keeps_it(
        self, app: FastAPI, desk: Desk
    ) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox()
        acme = await new_organisation(admin, name="Acme", domains=["acme.example"])
        ticket = await new_ticket(admin.client, inbox, email="wile@acme.example")
        customer_id = ticket["customer"]["id"]
        exported = await admin.client.get(f"/api/v1/customers/{customer_id}/export")
        assert exported.status_code == 200, exported.text
        record = json.loads(unpacked(exported.content)["customer.json"])
        assert record["customer"]["organisation"] == "Acme"
        erased = await admin.client.post(
            f"/api/v1/customers/{customer_id}/erase", json={"confirm": "wile@acme.example"}
        )
        assert erased.status_code == 200, erased.text
        assert await count_rows(app, Customer) == 0
        after = (await admin.client.get(f"/api/v1/organisations/{acme['id']}")).json()
        assert (after["name"], after["domains"], after["customer_count"]) == (
            "Acme",
            ["acme.example"],
            0,
        )
