"""Saved replies over HTTP: who sees which (404, never 403), managing them, search, variables
filled for a chat and a ticket, and uses counted exactly once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import update

from frontdesk.replies.models import SavedReply, SavedReplyUse
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.support import (
    count_rows,
    error_of,
    fields_of,
    new_ticket,
    online,
    use_cheap_passwords,
)

pytestmark = SQLITE_ONLY

URL = "/api/v1/saved-replies"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def create(agent: Agent, name: str, text: str, **fields: Any) -> dict[str, Any]:
    response = await agent.client.post(URL, json={"name": name, "text": text, **fields})
    assert response.status_code == 201, response.text
    reply: dict[str, Any] = response.json()
    return reply


async def names(agent: Agent, **params: Any) -> list[str]:
    response = await agent.client.get(URL, params=params)
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


async def insert(agent: Agent, reply: dict[str, Any], use_id: str, **where: int) -> Any:
    return await agent.client.post(f"{URL}/{reply['id']}/uses", json={"use_id": use_id, **where})


class TestWhoSeesWhat:
    async def test_a_personal_reply_is_its_authors_alone_even_for_admins(self, desk: Desk) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        bob = await desk.agent(inboxes=[inbox])
        owner = await desk.agent(role="owner")
        mine = await create(ada, "Thanks", "Thank you!")
        assert mine["scope"] == "personal"
        assert mine["owner_id"] == ada.id
        assert mine["created_at"] == mine["updated_at"]
        assert await names(ada) == ["Thanks"]
        for other in (bob, owner):
            assert await names(other) == []
            path = f"{URL}/{mine['id']}"
            error_of(await other.client.get(path), 404, "not_found")
            error_of(await other.client.patch(path, json={"name": "Mine now"}), 404, "not_found")
            error_of(await other.client.delete(path), 404, "not_found")
            share = await other.client.post(f"{path}/share", json={"inbox_id": inbox["id"]})
            error_of(share, 404, "not_found")
        assert (await ada.client.get(f"{URL}/{mine['id']}")).json()["name"] == "Thanks"

    @BOTH_STORES
    async def test_a_team_reply_is_seen_and_managed_by_the_inbox_not_by_others(
        self, desk: Desk
    ) -> None:
        support = await desk.inbox(name="Support")
        sales = await desk.inbox(name="Sales")
        ada = await desk.agent(inboxes=[support])
        bob = await desk.agent(inboxes=[support])
        carol = await desk.agent(inboxes=[sales])
        admin = await desk.agent(role="admin")
        team = await create(ada, "Refunds", "Refunds take 5 days.", inbox_id=support["id"])
        assert team["scope"] == "team"
        assert team["owner_id"] is None
        assert team["created_by_id"] == ada.id
        assert await names(bob) == ["Refunds"]
        assert await names(admin) == ["Refunds"]
        assert await names(carol) == []
        path = f"{URL}/{team['id']}"
        error_of(await carol.client.get(path), 404, "not_found")
        error_of(await carol.client.patch(path, json={"text": "x"}), 404, "not_found")
        error_of(await carol.client.delete(path), 404, "not_found")
        # Creating in, or listing, an inbox one does not see: no such inbox.
        body = {"name": "x", "text": "y", "inbox_id": support["id"]}
        error_of(await carol.client.post(URL, json=body), 404)
        error_of(await carol.client.get(URL, params={"inbox_id": support["id"]}), 404)

        edited = await bob.client.patch(path, json={"text": "Refunds take 3 days."})
        assert edited.status_code == 200, edited.text
        assert edited.json()["updated_by_id"] == bob.id
        assert edited.json()["created_by_id"] == ada.id
        assert (await admin.client.delete(path)).status_code == 204
        assert await count_rows(desk.app, SavedReply) == 0

    @BOTH_STORES
    async def test_sharing_makes_a_personal_reply_a_team_one(self, desk: Desk) -> None:
        support = await desk.inbox(name="Support")
        sales = await desk.inbox(name="Sales")
        ada = await desk.agent(inboxes=[support])
        bob = await desk.agent(inboxes=[support])
        mine = await create(ada, "Hours", "We open at 9.")
        path = f"{URL}/{mine['id']}/share"
        error_of(await ada.client.post(path, json={"inbox_id": sales["id"]}), 404)
        shared = await ada.client.post(path, json={"inbox_id": support["id"]})
        assert shared.status_code == 200, shared.text
        assert shared.json()["scope"] == "team"
        assert shared.json()["inbox_id"] == support["id"]
        assert await names(bob) == ["Hours"]
        error_of(await ada.client.post(path, json={"inbox_id": support["id"]}), 409)


class TestSearchAndOrder:
    @BOTH_STORES
    async def test_search_by_name_and_text_whatever_the_case_names_first(self, desk: Desk) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        await create(ada, "Shipping delay", "Your parcel and your REFUND are on their way.")
        await create(ada, "Refund policy", "Money back within 30 days.")
        await create(ada, "Été", "Summer hours: 10 to 4.")
        await create(ada, "100% sure", "Quite.")
        assert await names(ada, q="refund") == ["Refund policy", "Shipping delay"]
        assert await names(ada, q="ÉTÉ") == ["Été"]
        assert await names(ada, q="été") == ["Été"]
        assert await names(ada, q="%") == ["100% sure"]
        assert await names(ada, q="nothing like it") == []
        page = (await ada.client.get(URL, params={"limit": 2, "sort": "name"})).json()
        assert [item["name"] for item in page["items"]] == ["100% sure", "Refund policy"]
        assert page["total"] == 4

    @BOTH_STORES
    async def test_most_used_first_and_scopes(self, desk: Desk) -> None:
        support = await desk.inbox(name="Support")
        sales = await desk.inbox(name="Sales")
        ada = await desk.agent(inboxes=[support, sales])
        ticket = await new_ticket(ada.client, support)
        rare = await create(ada, "A rare one", "Rare.")
        common = await create(ada, "B common", "Common.", inbox_id=support["id"])
        await create(ada, "C sales", "Sales.", inbox_id=sales["id"])
        assert await names(ada) == ["A rare one", "B common", "C sales"]
        for use in ("u1", "u2"):
            assert (await insert(ada, common, use, ticket_id=ticket["id"])).status_code == 200
        assert (await insert(ada, rare, "u3", ticket_id=ticket["id"])).status_code == 200
        assert await names(ada) == ["B common", "A rare one", "C sales"]
        # The picker in a Support conversation: personal ones and Support's.
        assert await names(ada, inbox_id=support["id"]) == ["B common", "A rare one"]
        assert await names(ada, scope="personal") == ["A rare one"]
        assert await names(ada, scope="team") == ["B common", "C sales"]
        assert await names(ada, scope="team", inbox_id=sales["id"]) == ["C sales"]
        listed = (await ada.client.get(URL)).json()["items"][0]
        assert listed["usage_count"] == 2
        assert listed["last_used_at"] is not None


class TestInsertion:
    async def test_variables_filled_for_a_chat_unknown_and_empty_ones_left(
        self, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox(name="Acme Support")
        ada = await desk.agent(inboxes=[inbox], name="Ada Lovelace")
        await online(ada)
        visitor = await visitors(inbox)
        chat = await visitor.start_chat("Hello", name="Marie Curie")
        text = (
            "Hi {{customer.first_name}}, {{agent.first_name}} from {{inbox.name}}. "
            "Ticket {{ticket.number}}, order {{order.id}}."
        )
        # A name that is no variable is refused when the reply is saved ...
        refused = await ada.client.post(URL, json={"name": "Hello", "text": text})
        error = error_of(refused, 422, "invalid")
        assert fields_of(error) == {"text"}
        assert "No such variable: {{order.id}}" in error["message"]
        reply = await create(ada, "Hello", text.replace("{{order.id}}", "none"))
        # ... but one saved before it was refused is still left as written, and named.
        async with desk.app.state.sessionmaker() as session, session.begin():
            await session.execute(
                update(SavedReply).where(SavedReply.id == reply["id"]).values(text=text)
            )
        # Not in the chat yet: only its participants insert into it.
        error_of(await insert(ada, reply, "c0", chat_id=chat["id"]), 403, "not_participant")
        assert (await ada.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200
        done = await insert(ada, reply, "c1", chat_id=chat["id"])
        assert done.status_code == 200, done.text
        assert done.json() == {
            "text": "Hi Marie, Ada from Acme Support. "
            "Ticket {{ticket.number}}, order {{order.id}}.",
            "unfilled": ["ticket.number"],
            "unknown": ["order.id"],
            "counted": True,
            "usage_count": 1,
        }

    async def test_variables_filled_for_a_ticket(self, desk: Desk) -> None:
        inbox = await desk.inbox(name="Billing")
        ada = await desk.agent(inboxes=[inbox], name="Ada Lovelace")
        ticket = await new_ticket(ada.client, inbox)
        reply = await create(
            ada, "Hi", "Dear {{customer.name}} ({{customer.first_name}}), #{{ticket.number}}"
        )
        done = (await insert(ada, reply, "t1", ticket_id=ticket["id"])).json()
        assert done["text"] == f"Dear Cora Customer (Cora), #{ticket['number']}"
        assert done["unfilled"] == []

    async def test_a_customer_hidden_from_the_agent_is_not_named(self, desk: Desk) -> None:
        support = await desk.inbox(name="Support")
        sales = await desk.inbox(name="Sales")
        ada = await desk.agent(inboxes=[support])
        carol = await desk.agent(inboxes=[sales])
        await new_ticket(ada.client, support, customer={"email": "zoe@example.org", "name": "Zoé"})
        # Carol files a ticket on Zoé's address: she may not see Zoé's record.
        ticket = await new_ticket(
            carol.client, sales, customer={"email": "zoe@example.org", "name": "Someone"}
        )
        assert ticket["customer"] is None
        reply = await create(carol, "Hi", "Hi {{customer.first_name}}")
        done = (await insert(carol, reply, "h1", ticket_id=ticket["id"])).json()
        assert done["text"] == "Hi {{customer.first_name}}"
        assert done["unfilled"] == ["customer.first_name"]

    @BOTH_STORES
    async def test_a_use_counts_once_per_use_id_even_at_the_same_moment(self, desk: Desk) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        bob = await desk.agent(inboxes=[inbox])
        ticket = await new_ticket(ada.client, inbox)
        reply = await create(ada, "Team", "Hello", inbox_id=inbox["id"])
        first, second = await asyncio.gather(
            insert(ada, reply, "same", ticket_id=ticket["id"]),
            insert(ada, reply, "same", ticket_id=ticket["id"]),
        )
        assert first.status_code == second.status_code == 200
        assert sorted([first.json()["counted"], second.json()["counted"]]) == [False, True]
        again = (await insert(ada, reply, "same", ticket_id=ticket["id"])).json()
        assert again["counted"] is False
        assert again["usage_count"] == 1
        # Bob's own insertion with the same client id is his own use.
        bobs = (await insert(bob, reply, "same", ticket_id=ticket["id"])).json()
        assert bobs["usage_count"] == 2
        assert await count_rows(desk.app, SavedReplyUse) == 2

    async def test_nobody_counts_a_use_of_a_reply_or_in_a_place_they_cannot_see(
        self, desk: Desk
    ) -> None:
        support = await desk.inbox(name="Support")
        sales = await desk.inbox(name="Sales")
        ada = await desk.agent(inboxes=[support])
        carol = await desk.agent(inboxes=[sales])
        ticket = await new_ticket(ada.client, support)
        carols_ticket = await new_ticket(carol.client, sales, email="other@example.org")
        personal = await create(ada, "Mine", "Hello")
        team = await create(ada, "Ours", "Hello", inbox_id=support["id"])
        for reply in (personal, team):
            error_of(await insert(carol, reply, "x", ticket_id=carols_ticket["id"]), 404)
        error_of(await insert(ada, personal, "y", ticket_id=carols_ticket["id"]), 404)
        assert await count_rows(desk.app, SavedReplyUse) == 0
        listed = (await ada.client.get(URL)).json()["items"]
        assert {item["usage_count"] for item in listed} == {0}
        assert (await insert(ada, team, "z", ticket_id=ticket["id"])).status_code == 200


class TestBadInput:
    async def test_bad_bodies_are_422_naming_the_field_and_write_nothing(self, desk: Desk) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        for body, field in [
            ({}, "name"),
            ({"name": "  ", "text": "x"}, "name"),
            ({"name": "x" * 101, "text": "x"}, "name"),
            ({"name": "x", "text": "   "}, "text"),
            ({"name": "x", "text": "y" * 10_001}, "text"),
            ({"name": "x", "text": 3}, "text"),
            ({"name": "x", "text": "y", "inbox_id": "1"}, "inbox_id"),
            ({"name": "x", "text": "y", "shared": True}, "shared"),
        ]:
            error = error_of(await ada.client.post(URL, json=body), 422, "invalid")
            assert field in fields_of(error), (body, error)
        too_big = {"name": "x", "text": "y", "inbox_id": 2**31}
        error_of(await ada.client.post(URL, json=too_big), 404)
        assert await count_rows(desk.app, SavedReply) == 0
        reply = await create(ada, "Ok", "Fine")
        error_of(await ada.client.patch(f"{URL}/{reply['id']}", json={"name": ""}), 422)
        uses = f"{URL}/{reply['id']}/uses"
        for body in (
            {"use_id": "u"},
            {"use_id": "u", "chat_id": 1, "ticket_id": 1},
            {"use_id": "a b", "ticket_id": 1},
            {"ticket_id": 1},
        ):
            error_of(await ada.client.post(uses, json=body), 422)
        for params in ({"limit": 0}, {"limit": 201}, {"sort": "random"}, {"scope": "everyone"}):
            error_of(await ada.client.get(URL, params=params), 422)
        error_of(await ada.client.get(f"{URL}/999999"), 404)
        assert await count_rows(desk.app, SavedReplyUse) == 0

    async def test_the_variables_are_listed(self, desk: Desk) -> None:
        ada = await desk.agent()
        listed = (await ada.client.get(f"{URL}/variables")).json()
        assert [v["name"] for v in listed][:2] == ["customer.first_name", "customer.name"]
        assert all(v["description"] for v in listed)
