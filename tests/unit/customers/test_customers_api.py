"""Customers: create, read, search, edit, merge; who may see which customer."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.customers.models import Customer, CustomerContact
from tests.conftest import Agent, Desk
from tests.unit.support import (
    count_rows,
    error_of,
    fields_of,
    new_ticket,
    statements,
    use_cheap_passwords,
)


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def new_customer(agent: Agent, **body: Any) -> dict[str, Any]:
    response = await agent.client.post("/api/v1/customers", json=body)
    assert response.status_code == 201, response.text
    customer: dict[str, Any] = response.json()
    return customer


class TestCreate:
    async def test_contacts_are_normalised(self, desk: Desk) -> None:
        agent = await desk.agent()
        customer = await new_customer(
            agent,
            name="  Marie Curie ",
            emails=["Marie@Example.org", "marie@example.org", "m.curie@example.org"],
            phones=["+33 (1) 23-45.67"],
            attributes={"plan": "pro", "seats": 5, "trial": False, "score": 1.5, "ref": None},
            notes="Prefers email.",
        )
        assert customer["name"] == "Marie Curie"
        assert customer["emails"] == ["marie@example.org", "m.curie@example.org"]
        assert customer["phones"] == ["+331234567"]
        assert customer["attributes"]["plan"] == "pro"
        assert customer["notes"] == "Prefers email."
        again = await agent.client.get(f"/api/v1/customers/{customer['id']}")
        assert again.json() == customer

    async def test_an_email_belongs_to_one_customer(self, desk: Desk) -> None:
        agent = await desk.agent()
        marie = await new_customer(agent, name="Marie", emails=["marie@example.org"])
        response = await agent.client.post(
            "/api/v1/customers",
            json={"name": "Impostor", "emails": ["new@example.org", "MARIE@example.org"]},
        )
        assert response.status_code == 409
        error = response.json()["error"]
        # Named: the agent may see Marie (test_customer_list_api.py, TestContactTaken).
        assert error["code"] == "contact_taken"
        assert error["customer_id"] == marie["id"]
        assert "marie@example.org" in error["message"]
        assert "merge" in error["message"]
        assert await count_rows(desk.app, Customer) == 1
        assert await count_rows(desk.app, CustomerContact) == 1

    async def test_bad_customers_are_422_naming_the_field(self, desk: Desk) -> None:
        agent = await desk.agent()
        for body, field in [
            ({"emails": ["not-an-email"]}, "emails.0"),
            ({"emails": "marie@example.org"}, "emails"),
            ({"phones": ["call me"]}, "phones.0"),
            ({"phones": ["-- --"]}, "phones"),
            ({"attributes": {"address": {"city": "Paris"}}}, "attributes.address"),
            ({"attributes": {f"k{i}": i for i in range(101)}}, "attributes"),
            ({"attributes": ["plan"]}, "attributes"),
            ({"name": "x" * 201}, "name"),
            ({"notes": "x" * 20_001}, "notes"),
            ({"nickname": "M"}, "nickname"),
        ]:
            response = await agent.client.post("/api/v1/customers", json=body)
            error = error_of(response, 422, "invalid")
            assert field in fields_of(error), (body, error)
        assert await count_rows(desk.app, Customer) == 0


class TestVisibility:
    async def test_agents_see_customers_of_their_inboxes_and_their_own(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        agent = await desk.agent()
        mine = await desk.inbox(members=[agent])
        other = await desk.inbox(name="Other")
        in_mine = (await new_ticket(admin.client, mine, email="in@example.org"))["customer"]
        elsewhere = (await new_ticket(admin.client, other, email="out@example.org"))["customer"]
        created = await new_customer(agent, name="Walk-in")
        for customer in (in_mine, created):
            response = await agent.client.get(f"/api/v1/customers/{customer['id']}")
            assert response.status_code == 200
        error_of(await agent.client.get(f"/api/v1/customers/{elsewhere['id']}"), 404, "not_found")
        listed = (await agent.client.get("/api/v1/customers")).json()["items"]
        assert {c["id"] for c in listed} == {in_mine["id"], created["id"]}
        everything = (await admin.client.get("/api/v1/customers")).json()["items"]
        assert {c["id"] for c in everything} == {in_mine["id"], created["id"], elsewhere["id"]}

    async def test_unknown_customer_is_404(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        error = error_of(await admin.client.get("/api/v1/customers/999999"), 404, "not_found")
        assert error["message"] == "No such customer."


class TestSomeoneElsesCustomer:
    """An agent who types the address of a customer of an inbox they are not in files a ticket
    that reaches that person, and learns nothing else about them."""

    async def other_inboxes_customer(self, desk: Desk, visitors: Any) -> dict[str, Any]:
        admin = await desk.agent(role="admin")
        theirs = await desk.inbox(name="Theirs")
        sent = await (await visitors(theirs)).client.post(
            "/messenger/v1/contact",
            json={"name": "Rosalind Franklin", "email": "rosalind@kings.example", "text": "Hi"},
        )
        assert sent.status_code == 201, sent.text
        [customer] = (await admin.client.get("/api/v1/customers")).json()["items"]
        changed = await admin.client.patch(
            f"/api/v1/customers/{customer['id']}",
            json={
                "emails": ["rosalind@kings.example", "photo51@kings.example"],
                "phones": ["+44 20 7946 0000"],
                "attributes": {"plan": "secret-plan"},
                "notes": "Secret notes",
            },
        )
        assert changed.status_code == 200, changed.text
        return dict(changed.json())

    async def test_the_ticket_reaches_them_but_shows_nothing_of_their_record(
        self, desk: Desk, visitors: Any
    ) -> None:
        rosalind = await self.other_inboxes_customer(desk, visitors)
        agent = await desk.agent()
        mine = await desk.inbox(name="Mine", members=[agent])
        response = await agent.client.post(
            "/api/v1/tickets",
            json={
                "inbox_id": mine["id"],
                "customer": {"email": "ROSALIND@kings.example", "name": "Someone Else"},
                "subject": "About your order",
            },
        )
        assert response.status_code == 201, response.text
        ticket = response.json()
        assert ticket["customer_id"] == rosalind["id"]  # one person, one thread of mail
        assert ticket["customer"] is None
        assert ticket["customer_name"] == ""
        for secret in ("Rosalind", "photo51", "7946", "secret-plan", "Secret notes"):
            assert secret not in response.text
        # An address nobody has makes a customer of the agent's own, whole.
        fresh = await new_ticket(agent.client, mine, email="new@example.org")
        assert fresh["customer"]["emails"] == ["new@example.org"]

        reply = await agent.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "We can help."}
        )
        assert reply.status_code == 201, reply.text
        again = await agent.client.get(f"/api/v1/tickets/{ticket['id']}")
        assert again.json()["customer"] is None
        listed = (await agent.client.get("/api/v1/tickets")).json()["items"]
        names = {t["id"]: t["customer_name"] for t in listed}
        assert names == {ticket["id"]: "", fresh["id"]: "Cora Customer"}
        for q in ("Rosalind", "photo51"):  # the ticket is no oracle for their record
            found = await agent.client.get("/api/v1/tickets", params={"q": q})
            assert found.json()["items"] == [], q
        assert (await agent.client.get("/api/v1/customers?q=kings")).json()["items"] == []
        url = f"/api/v1/customers/{rosalind['id']}"
        error_of(await agent.client.get(url), 404, "not_found")
        error_of(await agent.client.patch(url, json={"notes": "Mine now"}), 404, "not_found")
        mine_too = await new_customer(agent, name="Walk-in")
        merge = await agent.client.post(
            f"/api/v1/customers/{mine_too['id']}/merge", json={"source_id": rosalind["id"]}
        )
        error_of(merge, 404, "not_found")

        admin = await desk.agent(role="admin")
        # Only confirmed: the agent's reply to the address (docs/email.md).
        assert rosalind["verified"] is False
        rosalind["verified"] = True
        assert (await admin.client.get(url)).json() == rosalind
        as_admin = (await admin.client.get(f"/api/v1/tickets/{ticket['id']}")).json()
        assert as_admin["customer"] == rosalind
        assert as_admin["customer_name"] == "Rosalind Franklin"
        [mail] = (await admin.client.get("/api/v1/outbox")).json()
        assert mail["recipients"] == ["rosalind@kings.example"]

    async def test_taking_their_address_says_it_is_taken_and_nothing_more(
        self, desk: Desk, visitors: Any
    ) -> None:
        rosalind = await self.other_inboxes_customer(desk, visitors)
        agent = await desk.agent()
        mine = await desk.inbox(name="Mine", members=[agent])
        await new_ticket(agent.client, mine, email="photo51@kings.example")
        own = await new_customer(agent, name="Walk-in")
        for response in (
            await agent.client.post(
                "/api/v1/customers", json={"emails": ["rosalind@kings.example"]}
            ),
            await agent.client.patch(
                f"/api/v1/customers/{own['id']}", json={"emails": ["rosalind@kings.example"]}
            ),
        ):
            error = error_of(response, 409, "contact_taken")
            assert str(rosalind["id"]) not in error["message"]
            assert "Rosalind" not in error["message"]
        error_of(await agent.client.get(f"/api/v1/customers/{rosalind['id']}"), 404)

    async def test_a_customer_who_writes_to_the_inbox_is_theirs_to_see(
        self, desk: Desk, visitors: Any
    ) -> None:
        rosalind = await self.other_inboxes_customer(desk, visitors)
        agent = await desk.agent()
        mine = await desk.inbox(name="Mine", members=[agent])
        filed = await new_ticket(agent.client, mine, email="rosalind@kings.example")
        assert filed["customer"] is None
        sent = await (await visitors(mine)).client.post(
            "/messenger/v1/contact",
            json={"name": "R. Franklin", "email": "rosalind@kings.example", "text": "Me again"},
        )
        assert sent.status_code == 201, sent.text
        seen = await agent.client.get(f"/api/v1/customers/{rosalind['id']}")
        assert seen.json() == rosalind
        assert (await agent.client.get(f"/api/v1/tickets/{filed['id']}")).json()[
            "customer"
        ] == rosalind


async def found(agent: Agent, q: str, **params: Any) -> list[int]:
    response = await agent.client.get("/api/v1/customers", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return [customer["id"] for customer in response.json()["items"]]


async def all_pages(agent: Agent, *, limit: int, **params: Any) -> list[list[int]]:
    """Every page of the customer list, following next_cursor; each page's ids."""
    pages: list[list[int]] = []
    cursor: str | None = None
    while True:
        query = {"limit": limit, **params} | ({"cursor": cursor} if cursor else {})
        response = await agent.client.get("/api/v1/customers", params=query)
        assert response.status_code == 200, response.text
        pages.append([customer["id"] for customer in response.json()["items"]])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return pages


class TestSearch:
    async def test_words_of_a_name_or_email_ignoring_case(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        marie = await new_customer(admin, name="Marie Curie", emails=["marie@radium.example"])
        pierre = await new_customer(admin, name="Pierre Curie", emails=["pierre@example.org"])
        await new_customer(admin, name="Alan Turing", emails=["alan@example.org"])

        assert await found(admin, "curie") == [marie["id"], pierre["id"]]
        assert await found(admin, "RADIUM") == [marie["id"]]
        assert await found(admin, "marie@radium.example") == [marie["id"]]
        assert await found(admin, "nobody") == []
        # Nothing but punctuation (and LIKE's wildcards are no wildcards): no word to look for.
        assert await found(admin, "%") == []
        assert await found(admin, "_") == []

    async def test_accents_fold_and_the_last_word_may_be_unfinished(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        jose = await new_customer(admin, name="José Núñez", emails=["jn@correo.example"])
        zoe = await new_customer(admin, name="Zoë Ng", emails=["zoe@sample.org"])

        for query in ("jose", "NUNEZ", "Núñez", "nún", "jose nu", "correo.exa"):
            assert await found(admin, query) == [jose["id"]], query
        assert await found(admin, "zoe") == [zoe["id"]]
        # Every word is found, in the name or an address, whichever.
        assert await found(admin, "zoe sample") == [zoe["id"]]
        assert await found(admin, "zoe correo") == []
        # Finished words match whole, and a word is not found by its middle (docs/search.md).
        assert await found(admin, "jos nunez") == []
        assert await found(admin, "unez") == []

    async def test_letters_beyond_latin_accents_fold(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        jorg = await new_customer(admin, name="Jörg Weiß", emails=["jw@straße.example"])
        lukasz = await new_customer(admin, name="Łukasz Østergaard", emails=["lo@sample.org"])

        for query in ("jorg weiss", "WEISS", "weiß", "strasse.exa"):
            assert await found(admin, query) == [jorg["id"]], query
        for query in ("lukasz", "ostergaard", "łukasz øster"):
            assert await found(admin, query) == [lukasz["id"]], query

    async def test_a_phone_by_any_run_of_its_digits(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        grace = await new_customer(admin, name="Grace", phones=["+33 6 12 34 56 78"])
        await new_customer(admin, name="Other", phones=["+44 20 7946 0000"])

        for query in ("+33 6 12", "6 12 34 56 78", "(12) 34-56", "345678", "+33612345678"):
            assert await found(admin, query) == [grace["id"]], query
        assert await found(admin, "6 12 99") == []

    async def test_limit_and_cursor_page_through_results(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        ids = [(await new_customer(admin, name=f"Customer {n}"))["id"] for n in range(5)]
        other = await new_customer(admin, name="Someone else")
        assert await all_pages(admin, limit=2) == [ids[:2], ids[2:4], [ids[4], other["id"]]]
        # A search pages the same way, by name.
        assert await all_pages(admin, limit=2, q="customer") == [ids[:2], ids[2:4], ids[4:]]
        for query in ("limit=0", "limit=101", "limit=ten", f"q={'x' * 201}", "sort=email"):
            error_of(await admin.client.get(f"/api/v1/customers?{query}"), 422, "invalid")

    async def test_an_agent_finds_only_the_customers_they_may_see(
        self, desk: Desk, visitors: Any
    ) -> None:
        agent = await desk.agent()
        mine = await desk.inbox(name="Mine", members=[agent])
        theirs = await desk.inbox(name="Theirs")
        own = await new_ticket(agent.client, mine, email="grace@navy.example")
        hidden = await (await visitors(theirs)).client.post(
            "/messenger/v1/contact",
            json={"name": "Grace Other", "email": "other@navy.example", "text": "Hi"},
        )
        assert hidden.status_code == 201, hidden.text

        assert await found(agent, "navy") == [own["customer"]["id"]]
        assert await found(agent, "other") == []

    async def test_on_sqlite_the_search_reads_off_the_apps_connection(
        self, desk: Desk, app: FastAPI
    ) -> None:
        """The app's one SQLite connection serves every request of the process on the event
        loop: a search there would hold them all up (docs/search.md)."""
        admin = await desk.agent(role="admin")
        marie = await new_customer(admin, name="Marie Curie")
        with statements(app) as sent:
            assert await found(admin, "curie") == [marie["id"]]
        searched = [sql for sql in sent if any(part in sql for part in ("MATCH", "LIKE", "@@"))]
        if app.state.engine.dialect.name == "sqlite":
            assert searched == []
        else:
            assert searched


class TestUpdate:
    async def test_edit_fields_and_merge_attributes(self, desk: Desk) -> None:
        agent = await desk.agent()
        customer = await new_customer(
            agent,
            name="Marie",
            emails=["marie@example.org"],
            phones=["+1 555 0100"],
            attributes={"plan": "pro", "seats": 5},
        )
        response = await agent.client.patch(
            f"/api/v1/customers/{customer['id']}",
            json={
                "name": "Marie Curie",
                "emails": ["curie@example.org", "marie@example.org"],
                "attributes": {"seats": 7, "plan": None, "vip": True},
                "notes": "Nobel x2",
            },
        )
        assert response.status_code == 200, response.text
        updated = response.json()
        assert updated["name"] == "Marie Curie"
        assert updated["emails"] == ["marie@example.org", "curie@example.org"]
        assert updated["phones"] == ["+15550100"]
        assert updated["attributes"] == {"seats": 7, "vip": True}
        assert updated["notes"] == "Nobel x2"
        cleared = await agent.client.patch(
            f"/api/v1/customers/{customer['id']}", json={"emails": [], "phones": []}
        )
        assert cleared.json()["emails"] == []
        assert cleared.json()["phones"] == []

    async def test_taking_another_customers_email_is_409_and_changes_nothing(
        self, desk: Desk
    ) -> None:
        agent = await desk.agent()
        marie = await new_customer(agent, name="Marie", emails=["marie@example.org"])
        pierre = await new_customer(agent, name="Pierre", emails=["pierre@example.org"])
        response = await agent.client.patch(
            f"/api/v1/customers/{pierre['id']}",
            json={"name": "Renamed", "emails": ["marie@example.org"]},
        )
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "contact_taken"
        assert response.json()["error"]["customer_id"] == marie["id"]
        assert (await agent.client.get(f"/api/v1/customers/{pierre['id']}")).json() == pierre

    async def test_bad_updates_are_422(self, desk: Desk) -> None:
        agent = await desk.agent()
        customer = await new_customer(agent, name="Marie")
        url = f"/api/v1/customers/{customer['id']}"
        for body, field in [
            ({"emails": ["nope"]}, "emails.0"),
            ({"attributes": {"tags": ["a", "b"]}}, "attributes.tags"),
            ({"name": 5}, "name"),
            ({"id": 7}, "id"),
        ]:
            error = error_of(await agent.client.patch(url, json=body), 422, "invalid")
            assert field in fields_of(error), (body, error)
        assert (await agent.client.get(url)).json() == customer


class TestMerge:
    async def test_merge_moves_contacts_and_tickets_target_values_win(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox()
        target = await new_customer(
            admin,
            name="Marie Curie",
            emails=["marie@example.org"],
            attributes={"plan": "pro"},
            notes="Target notes",
        )
        source = await new_customer(
            admin,
            name="M. Curie",
            emails=["curie@example.org"],
            phones=["555 0100"],
            attributes={"plan": "free", "city": "Paris"},
            notes="Source notes",
        )
        ticket = await new_ticket(admin.client, inbox, customer={"id": source["id"]})
        response = await admin.client.post(
            f"/api/v1/customers/{target['id']}/merge", json={"source_id": source["id"]}
        )
        assert response.status_code == 200, response.text
        merged = response.json()
        assert merged["name"] == "Marie Curie"
        assert sorted(merged["emails"]) == ["curie@example.org", "marie@example.org"]
        assert merged["phones"] == ["5550100"]
        assert merged["attributes"] == {"plan": "pro", "city": "Paris"}
        assert merged["notes"] == "Target notes\n\nSource notes"
        error_of(await admin.client.get(f"/api/v1/customers/{source['id']}"), 404)
        moved = (await admin.client.get(f"/api/v1/tickets/{ticket['id']}")).json()
        assert moved["customer_id"] == target["id"]
        assert moved["customer"]["id"] == target["id"]
        listed = await admin.client.get("/api/v1/tickets", params={"customer_id": target["id"]})
        assert [t["id"] for t in listed.json()["items"]] == [ticket["id"]]
        # A new ticket for the source's address lands on the survivor.
        again = await new_ticket(admin.client, inbox, email="curie@example.org")
        assert again["customer_id"] == target["id"]

    async def test_impossible_merges_are_refused(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        one = await new_customer(admin, name="One")
        two = await new_customer(admin, name="Two")
        url = f"/api/v1/customers/{one['id']}/merge"
        error = error_of(await admin.client.post(url, json={"source_id": one["id"]}), 422)
        assert fields_of(error) == {"source_id"}
        error_of(await admin.client.post(url, json={"source_id": 999999}), 404, "not_found")
        error_of(await admin.client.post(url, json={}), 422, "invalid")
        merge = await admin.client.post(url, json={"source_id": two["id"]})
        assert merge.status_code == 200
        # Merged away: neither side of a second merge can name it.
        error_of(await admin.client.post(url, json={"source_id": two["id"]}), 404)
        error_of(
            await admin.client.post(
                f"/api/v1/customers/{two['id']}/merge", json={"source_id": one["id"]}
            ),
            404,
        )

    async def test_an_agent_cannot_merge_in_a_customer_they_cannot_see(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        agent = await desk.agent()
        hidden = await new_customer(admin, name="Hidden", emails=["hidden@example.org"])
        mine = await new_customer(agent, name="Mine")
        response = await agent.client.post(
            f"/api/v1/customers/{mine['id']}/merge", json={"source_id": hidden["id"]}
        )
        error_of(response, 404, "not_found")
        assert (await admin.client.get(f"/api/v1/customers/{hidden['id']}")).json() == hidden
