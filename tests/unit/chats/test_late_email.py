"""A visitor whom nobody answers in time gives their email address to the chat itself (POST
/messenger/v1/chats/{id}/email): while it waits, its end files the ticket under that address; once
it ended unanswered without one, its ticket's customer gets it. The answer comes by email on that
one ticket, never a second chat (docs/chat.md, "An address given later")."""

from __future__ import annotations

from typing import Any

from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.unit.chats.test_visitor_identity import SECRET, known_customer
from tests.unit.support import error_of, online

pytestmark = SQLITE_ONLY


async def ticket_of(agent: Agent, chat_id: int) -> dict[str, Any]:
    chat = (await agent.client.get(f"/api/v1/chats/{chat_id}")).json()
    ticket: dict[str, Any] = (await agent.client.get(f"/api/v1/tickets/{chat['ticket_id']}")).json()
    return ticket


async def emails_of(agent: Agent, customer_id: int) -> list[str]:
    customer = (await agent.client.get(f"/api/v1/customers/{customer_id}")).json()
    return list(customer["emails"])


async def test_an_address_given_while_waiting_files_the_unanswered_chat_under_it(
    desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await online(ada)
    marie = await visitors(inbox)
    chat = await marie.start_chat("Is anyone there?", email=None)
    assert chat["reply_by_email"] is False

    given = await marie.client.post(
        f"/messenger/v1/chats/{chat['id']}/email", json={"email": "Marie@Example.org"}
    )
    assert given.status_code == 200, given.text
    assert (given.json()["state"], given.json()["reply_by_email"]) == ("waiting", True)
    again = (await marie.client.get(f"/messenger/v1/chats/{chat['id']}")).json()
    assert again["reply_by_email"] is True

    ended = (await marie.client.post(f"/messenger/v1/chats/{chat['id']}/end")).json()
    event = next(e for e in ended["events"] if e["type"] == "chat.ended")
    assert (event["data"]["reason"], event["data"]["reply_by_email"]) == ("unanswered", True)
    ticket = await ticket_of(ada, chat["id"])
    assert await emails_of(ada, ticket["customer_id"]) == ["marie@example.org"]
    tickets = (await ada.client.get("/api/v1/tickets")).json()["items"]
    assert [t["id"] for t in tickets] == [ticket["id"]]


async def test_an_address_given_after_an_unanswered_end_goes_to_the_same_ticket(
    desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await online(ada)
    marie = await visitors(inbox)
    chat = await marie.start_chat("Where is my parcel?", email=None)
    ended = (await marie.client.post(f"/messenger/v1/chats/{chat['id']}/end")).json()
    event = next(e for e in ended["events"] if e["type"] == "chat.ended")
    assert event["data"]["reply_by_email"] is False
    ticket = await ticket_of(ada, chat["id"])
    assert await emails_of(ada, ticket["customer_id"]) == []

    path = f"/messenger/v1/chats/{chat['id']}/email"
    given = await marie.client.post(path, json={"email": "marie@example.org"})
    assert given.status_code == 200, given.text
    assert (given.json()["state"], given.json()["reply_by_email"]) == ("ended", True)
    after = await ticket_of(ada, chat["id"])
    assert after["id"] == ticket["id"]
    assert after["customer_id"] == ticket["customer_id"]
    assert await emails_of(ada, after["customer_id"]) == ["marie@example.org"]
    # Once there, the ended chat's address stays: another is a new chat's.
    other = await marie.client.post(path, json={"email": "other@example.org"})
    error_of(other, 409, "chat_has_email")
    assert len((await ada.client.get("/api/v1/tickets")).json()["items"]) == 1


async def test_after_the_end_an_address_is_taken_as_the_end_would_have(
    desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await online(ada)
    # An unverified customer with the address (an earlier chat typed it): the ticket joins them.
    earlier = await visitors(inbox)
    first = await earlier.start_chat("First question", email="lin@example.org")
    await earlier.client.post(f"/messenger/v1/chats/{first['id']}/end")
    lin = (await ticket_of(ada, first["id"]))["customer_id"]
    later = await visitors(inbox)
    second = await later.start_chat("Second question", email=None)
    await later.client.post(f"/messenger/v1/chats/{second['id']}/end")
    given = await later.client.post(
        f"/messenger/v1/chats/{second['id']}/email", json={"email": "lin@example.org"}
    )
    assert given.status_code == 200, given.text
    assert (await ticket_of(ada, second["id"]))["customer_id"] == lin

    # A verified customer's address, only typed: the ticket stays on its own customer, without
    # it (no automatic mail may reach the owner), and the answer does not say so.
    ceo = await known_customer(ada)
    stranger = await visitors(inbox)
    third = await stranger.start_chat("Send me the invoices", email=None)
    await stranger.client.post(f"/messenger/v1/chats/{third['id']}/end")
    claimed = await stranger.client.post(
        f"/messenger/v1/chats/{third['id']}/email", json={"email": ceo["emails"][0]}
    )
    assert claimed.status_code == 200, claimed.text
    ticket = await ticket_of(ada, third["id"])
    assert ticket["customer_id"] != ceo["id"]
    assert await emails_of(ada, ticket["customer_id"]) == []


async def test_only_the_visitors_own_chat_and_the_inboxs_identity_rule(
    desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await online(ada)
    marie = await visitors(inbox)
    chat = await marie.start_chat("Hello", email=None)
    stranger = await visitors(inbox)
    path = f"/messenger/v1/chats/{chat['id']}/email"
    error_of(await stranger.client.post(path, json={"email": "x@example.org"}), 404)
    error_of(await marie.client.post(path, json={"email": "not an address"}), 422)

    # An inbox that requires identity takes no address but the one the website signed.
    strict = await desk.inbox(identity_secret=SECRET, require_identity=True)
    await online(await desk.agent(inboxes=[strict]))
    signed = await visitors(strict)
    await signed.identify("grace@example.org", secret=SECRET)
    own = await signed.start_chat("Hello", email=None)
    error_of(
        await signed.client.post(
            f"/messenger/v1/chats/{own['id']}/email", json={"email": "other@example.org"}
        ),
        403,
        "identity_unverified",
    )
