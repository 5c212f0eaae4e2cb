"""rating.recorded over real WebSockets: the agents of the ticket's inbox hear a rating given and
changed; an agent of another inbox and the visitor's own socket hear nothing of it."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.conftest import SQLITE_ONLY, Desk
from tests.realtime import desk_socket, messenger_socket
from tests.unit.ratings.test_chat_rating import ended_chat

pytestmark = SQLITE_ONLY


async def test_agents_who_may_see_the_ticket_hear_each_rating_live(
    live: str, desk: Desk, visitors: Any
) -> None:
    ada, marie, _inbox, chat_id = await ended_chat(desk, visitors)
    bob = await desk.agent(inboxes=[await desk.inbox(name="Billing")], name="Bob")
    ada_ws, bob_ws = await desk_socket(live, ada), await desk_socket(live, bob)
    visitor_ws = await messenger_socket(live, marie, {chat_id: 0})
    url = f"/messenger/v1/chats/{chat_id}/rating"

    await marie.client.post(url, json={"score": "okay", "comment": "Fine"})
    given = await ada_ws.event("rating.recorded")
    assert (
        given["data"]["rating"] | {"score": "okay", "comment": "Fine", "channel": "chat"}
        == (given["data"]["rating"])
    )
    assert given["data"]["rating"]["agent_ids"] == [ada.id]
    await marie.client.post(url, json={"score": "good"})
    changed = await ada_ws.wait_for(
        lambda f: f.get("type") == "rating.recorded" and f["data"]["rating"]["score"] == "good"
    )
    assert changed["data"]["rating"]["id"] == given["data"]["rating"]["id"]
    assert changed["data"]["rating"]["comment"] == "Fine"

    await asyncio.sleep(0.3)
    assert bob_ws.of_type("rating.recorded") == []
    assert visitor_ws.of_type("rating.recorded") == []
    for sock in (ada_ws, bob_ws, visitor_ws):
        await sock.close()
