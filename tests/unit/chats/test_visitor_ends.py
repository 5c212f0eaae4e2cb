"""The visitor ends their chat from the messenger: one nobody answered ends unanswered, one an
agent answered ends as the agent's end would (the ticket closed and theirs, the rating offered);
only their own chat, once, and never two tickets when agent and visitor end it at once."""

from __future__ import annotations

import asyncio
from typing import Any

from frontdesk.tickets.models import Ticket
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk, Published
from tests.unit.chats.test_races import count
from tests.unit.support import error_of, online

pytestmark = SQLITE_ONLY


async def test_an_answered_chat_the_visitor_ends_is_the_agents_closed_ticket(
    desk: Desk, visitors: Any, published: Published
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    grace = await desk.agent(inboxes=[inbox], name="Grace")
    await online(ada)
    await online(grace)
    marie = await visitors(inbox)
    chat_id = (await marie.start_chat("My parcel is late"))["id"]
    assert (await ada.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    await ada.client.post(f"/api/v1/chats/{chat_id}/invite", json={"user_id": grace.id})
    assert (await grace.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    published.clear()

    ended = await marie.client.post(f"/messenger/v1/chats/{chat_id}/end")
    assert ended.status_code == 200, ended.text
    assert (ended.json()["state"], ended.json()["end_reason"]) == ("ended", "visitor")
    names = [name for name, _topics, _keys in published.summary()]
    assert "chat.ended" in names
    event = next(m.envelope for m in published.messages if m.envelope.type == "chat.ended")
    assert (event.data["reason"], event.data["by"]) == ("visitor", None)

    chat = (await ada.client.get(f"/api/v1/chats/{chat_id}")).json()
    ticket = (await ada.client.get(f"/api/v1/tickets/{chat['ticket_id']}")).json()
    # Answered: closed, and the agent in it the longest answered it.
    assert ticket["state"] == "closed"
    assert ticket["assignee_id"] == ada.id
    offer = (await marie.client.get(f"/messenger/v1/chats/{chat_id}/rating")).json()
    assert offer["offered"] is True
    again = await marie.client.post(f"/messenger/v1/chats/{chat_id}/end")
    error_of(again, 409, "chat_ended")
    assert await count(desk, Ticket) == 1


async def test_a_waiting_chat_the_visitor_ends_is_unanswered_and_withdrawn(
    desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await online(ada)
    marie = await visitors(inbox)
    chat_id = (await marie.start_chat("Anyone?"))["id"]
    assert [item["chat"]["id"] for item in (await ada.client.get("/api/v1/chats/bar")).json()] == [
        chat_id
    ]
    ended = await marie.client.post(f"/messenger/v1/chats/{chat_id}/end")
    assert ended.json()["end_reason"] == "unanswered"
    assert (await ada.client.get("/api/v1/chats/bar")).json() == []
    chat = (await ada.client.get(f"/api/v1/chats/{chat_id}")).json()
    ticket = (await ada.client.get(f"/api/v1/tickets/{chat['ticket_id']}")).json()
    assert (ticket["state"], ticket["assignee_id"]) == ("open", None)


@BOTH_STORES
async def test_only_the_visitors_own_chat_and_one_end_when_both_end_it_at_once(
    desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await online(ada)
    marie = await visitors(inbox)
    stranger = await visitors(inbox)
    chat_id = (await marie.start_chat("Hello"))["id"]
    assert (await ada.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    error_of(await stranger.client.post(f"/messenger/v1/chats/{chat_id}/end"), 404)

    results = await asyncio.gather(
        marie.client.post(f"/messenger/v1/chats/{chat_id}/end"),
        ada.client.post(f"/api/v1/chats/{chat_id}/end"),
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    assert await count(desk, Ticket) == 1
