"""An agent taken out of an inbox is taken out of its live chats: they can no longer write in
them, their open desk stops hearing them, and no chat is left without anyone to answer it."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.conftest import SQLITE_ONLY, Desk
from tests.realtime import desk_socket, messenger_socket
from tests.unit.support import online

pytestmark = SQLITE_ONLY


async def test_an_agent_removed_from_an_inbox_leaves_its_chats(
    live: str, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    grace = await desk.agent(inboxes=[inbox], name="Grace")
    for agent in (ada, grace):
        await online(agent)
    shared, alone = await visitors(inbox), await visitors(inbox)
    shared_chat = (await shared.start_chat("Both of you?"))["id"]
    alone_chat = (await alone.start_chat("Just Ada?"))["id"]
    for chat_id in (shared_chat, alone_chat):
        joined = await ada.client.post(f"/api/v1/chats/{chat_id}/join")
        assert joined.status_code == 200, joined.text
    invited = await ada.client.post(
        f"/api/v1/chats/{shared_chat}/invite", json={"user_id": grace.id}
    )
    assert invited.status_code == 200, invited.text
    assert (await grace.client.post(f"/api/v1/chats/{shared_chat}/join")).status_code == 200
    ada_ws = await desk_socket(live, ada, {shared_chat: 0})
    shared_ws = await messenger_socket(live, shared, {shared_chat: 0})

    removed = await admin.client.delete(f"/api/v1/inboxes/{inbox['id']}/members/{ada.id}")
    assert removed.status_code == 200

    # She left the chat her colleague is in; the visitor is told, as for any leave.
    left = await shared_ws.event("chat.left", chat_id=shared_chat)
    assert left["data"]["user"]["name"] == "Ada"
    # The chat she was alone in ended: its ticket waits for the inbox, assigned to nobody.
    ended = (await admin.client.get(f"/api/v1/chats/{alone_chat}")).json()
    assert ended["state"] == "ended"
    ticket = (await admin.client.get(f"/api/v1/tickets/{ended['ticket_id']}")).json()
    assert ticket["assignee_id"] is None
    # She can write in neither, by HTTP or over her open socket.
    for chat_id in (shared_chat, alone_chat):
        posted = await ada.client.post(
            f"/api/v1/chats/{chat_id}/messages", json={"text": "still here", "client_msg_id": "x"}
        )
        assert posted.status_code == 404, posted.text
    refused = await ada_ws.request(
        {"type": "message", "chat_id": shared_chat, "text": "hello?", "client_msg_id": "y"}
    )
    assert refused["type"] == "error"
    assert refused["error"]["code"] == "not_found"
    # And her desk no longer hears the visitor, while Grace's does.
    grace_ws = await desk_socket(live, grace, {shared_chat: 0})
    sent = await shared_ws.request(
        {"type": "message", "chat_id": shared_chat, "text": "private", "client_msg_id": "v1"}
    )
    await grace_ws.event("chat.message_added", seq=sent["data"]["seq"])
    await asyncio.sleep(0.2)
    assert all(
        f["data"]["message"]["text"] != "private" for f in ada_ws.of_type("chat.message_added")
    )
    history = (await grace.client.get(f"/api/v1/chats/{shared_chat}")).json()
    texts = [e["data"]["message"]["text"] for e in history["events"] if "message" in e["data"]]
    assert "still here" not in texts
    assert "hello?" not in texts
    for sock in (ada_ws, grace_ws, shared_ws):
        await sock.close()
