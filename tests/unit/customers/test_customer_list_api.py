"""The customer list walked with a cursor, the exact lookup by address, and `contact_taken`
naming the customer who has the address to whoever may see them (find or create)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Desk
from tests.unit.customers.test_customers_api import all_pages, new_customer
from tests.unit.support import error_of, fields_of, new_ticket, use_cheap_passwords


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


class TestWalk:
    async def test_a_walk_by_name_is_not_shifted_by_a_rename(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        ids = [(await new_customer(admin, name=f"Customer {n}"))["id"] for n in range(6)]
        first = (await admin.client.get("/api/v1/customers", params={"limit": 2})).json()
        assert [c["id"] for c in first["items"]] == ids[:2]
        # Seen already, and renamed to the end of the list while the walk goes on: with pages by
        # offset, everyone after it moved up one place and Customer 2 was never seen.
        renamed = await admin.client.patch(f"/api/v1/customers/{ids[0]}", json={"name": "Zoe"})
        assert renamed.status_code == 200
        seen = [c["id"] for c in first["items"]]
        cursor = first["next_cursor"]
        while cursor:
            page = (
                await admin.client.get("/api/v1/customers", params={"limit": 2, "cursor": cursor})
            ).json()
            seen += [c["id"] for c in page["items"]]
            cursor = page["next_cursor"]
        # Each customer once, the renamed one again at its new place.
        assert seen == [*ids, ids[0]]

    async def test_a_walk_by_id_sees_every_customer_once_whatever_changes(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        ids = [(await new_customer(admin, name=f"{'CBA'[n % 3]} {n}"))["id"] for n in range(5)]
        first = (
            await admin.client.get("/api/v1/customers", params={"limit": 2, "sort": "id"})
        ).json()
        await admin.client.patch(f"/api/v1/customers/{ids[0]}", json={"name": "Zoe"})
        await admin.client.patch(f"/api/v1/customers/{ids[3]}", json={"name": "Aaron"})
        later = await new_customer(admin, name="Arrived during the walk")
        # The cursor carries its sort: it continues by id without being told again.
        rest = await all_pages(admin, limit=2, cursor=first["next_cursor"])
        walked = [c["id"] for c in first["items"]] + [ident for page in rest for ident in page]
        assert walked == [*ids, later["id"]]

    async def test_newest_first_pages_back_to_the_oldest_and_searches_alike(
        self, desk: Desk
    ) -> None:
        admin = await desk.agent(role="admin")
        ids = [(await new_customer(admin, name=f"Newest {n}"))["id"] for n in range(5)]
        first = (
            await admin.client.get("/api/v1/customers", params={"limit": 2, "sort": "-id"})
        ).json()
        rest = await all_pages(admin, limit=2, cursor=first["next_cursor"])
        walked = [c["id"] for c in first["items"]] + [ident for page in rest for ident in page]
        assert walked == ids[::-1]
        # A search sorted the same way, through the search index's own query.
        searched = (
            await admin.client.get(
                "/api/v1/customers", params={"limit": 2, "sort": "-id", "q": "newest"}
            )
        ).json()
        assert [c["id"] for c in searched["items"]] == ids[:2:-1]
        more = (
            await admin.client.get(
                "/api/v1/customers",
                params={"limit": 2, "q": "newest", "cursor": searched["next_cursor"]},
            )
        ).json()
        assert [c["id"] for c in more["items"]] == ids[2:0:-1]
        refused = await admin.client.get("/api/v1/customers", params={"sort": "newest"})
        assert "-id" in error_of(refused, 422, "invalid")["message"]

    async def test_offset_is_refused_with_the_way_to_page(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        for offset in (2, 10_001):
            response = await admin.client.get("/api/v1/customers", params={"offset": offset})
            error = error_of(response, 422, "invalid")
            assert fields_of(error) == {"offset"}
            assert "next_cursor" in error["message"]

    async def test_a_cursor_continues_only_its_own_list(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        for n in range(3):
            await new_customer(admin, name=f"Customer {n}", emails=[f"c{n}@example.org"])
        by_name = (await admin.client.get("/api/v1/customers?limit=1")).json()["next_cursor"]
        by_id = (await admin.client.get("/api/v1/customers?limit=1&sort=id")).json()
        searched = (await admin.client.get("/api/v1/customers?limit=1&q=customer")).json()
        for params, words in [
            ({"cursor": by_name, "sort": "id"}, "sort=name"),
            ({"cursor": by_id["next_cursor"], "sort": "name"}, "sort=id"),
            ({"cursor": searched["next_cursor"]}, "other filters"),
            ({"cursor": searched["next_cursor"], "q": "someone"}, "other filters"),
            ({"cursor": "not a cursor"}, "first page"),
        ]:
            response = await admin.client.get("/api/v1/customers", params=params)
            error = error_of(response, 422, "invalid")
            assert fields_of(error) == {"cursor"}, params
            assert words in error["message"], (params, error)
        again = await admin.client.get(
            "/api/v1/customers", params={"cursor": searched["next_cursor"], "q": "customer"}
        )
        assert len(again.json()["items"]) == 2


class TestByEmail:
    async def test_exactly_the_customer_with_that_address(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        jane = await new_customer(
            admin, name="Jane Doe", emails=["jane.doe@example.com", "jd@work.example"]
        )
        # Names sorted before hers and addresses that a search for hers also finds.
        for name, email in [
            ("Alice Doe", "jane.doe@example.com.au"),
            ("Bob Jane", "janedoe@example.com"),
            ("Carol", "jane@doe.example.com"),
        ]:
            await new_customer(admin, name=name, emails=[email])
        searched = await admin.client.get("/api/v1/customers?q=jane.doe@example.com")
        assert searched.json()["items"][0]["id"] != jane["id"]
        for address in ("jane.doe@example.com", " Jane.Doe@EXAMPLE.com ", "JD@work.example"):
            response = await admin.client.get("/api/v1/customers", params={"email": address})
            assert response.status_code == 200, response.text
            assert response.json() == {"items": [jane], "next_cursor": None}, address
        for address in ("jane.doe@example.co", "jane.doe", "doe@example.com"):
            response = await admin.client.get("/api/v1/customers", params={"email": address})
            assert response.json() == {"items": [], "next_cursor": None}, address

    async def test_only_a_customer_the_agent_may_see(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        agent = await desk.agent()
        mine = await desk.inbox(members=[agent])
        await new_customer(admin, name="Hidden", emails=["hidden@example.org"])
        filed = await new_ticket(admin.client, mine, email="shown@example.org")
        lookup = "/api/v1/customers?email="
        assert (await agent.client.get(lookup + "hidden@example.org")).json()["items"] == []
        shown = (await agent.client.get(lookup + "shown@example.org")).json()["items"]
        assert [c["id"] for c in shown] == [filed["customer_id"]]


class TestContactTaken:
    async def test_names_the_owner_to_who_may_see_them(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        agent = await desk.agent()
        mine = await desk.inbox(members=[agent])
        shown = (await new_ticket(admin.client, mine, email="shown@example.org"))["customer"]
        hidden = await new_customer(admin, name="Hidden", emails=["hidden@example.org"])

        async def taken(who: Any, email: str) -> dict[str, Any]:
            response = await who.client.post(
                "/api/v1/customers", json={"name": "Again", "emails": [email.upper()]}
            )
            assert response.status_code == 409, response.text
            error: dict[str, Any] = response.json()["error"]
            assert error["code"] == "contact_taken"
            assert email in error["message"]
            return error

        # Find or create: the 409 gives the one to use instead.
        assert (await taken(admin, "hidden@example.org"))["customer_id"] == hidden["id"]
        assert (await taken(agent, "shown@example.org"))["customer_id"] == shown["id"]
        # Someone the agent may not see stays unnamed, as before.
        assert "customer_id" not in await taken(agent, "hidden@example.org")
        own = await new_customer(agent, name="Own")
        response = await agent.client.patch(
            f"/api/v1/customers/{own['id']}", json={"emails": ["shown@example.org"]}
        )
        assert response.status_code == 409
        assert response.json()["error"]["customer_id"] == shown["id"]
        response = await agent.client.patch(
            f"/api/v1/customers/{own['id']}", json={"phones": ["555 0100"], "emails": []}
        )
        assert response.status_code == 200
