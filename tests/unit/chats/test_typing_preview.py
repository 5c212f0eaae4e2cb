"""The typing preview (docs/chat.md, "Typing preview"): what the visitor types reaches the agents in
the chat before it is sent, nobody else, and is kept nowhere."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.audit.models import AuditEvent
from frontdesk.chats.models import ChatEvent
from frontdesk.config import Settings
from tests.conftest import SQLITE_ONLY, Desk
from tests.realtime import desk_socket, messenger_socket
from tests.unit.support import count_rows, online

pytestmark = SQLITE_ONLY

PREVIEW = "chat.typing_preview"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_message_length": 20})


async def _page_seen(visitor_ws: Any, *sockets: Any, url: str) -> None:
    """A later frame of the visitor's, heard by every desk of the inbox: what the frames before
    it published has reached them by then (one socket's frames are handled in order)."""
    await visitor_ws.request({"type": "page", "url": url, "title": "Shop"})
    for sock in sockets:
        await sock.event("visitor.page_viewed", url=url)


async def test_the_agents_in_the_chat_see_the_draft_and_nobody_else(
    live: str, desk: Desk, visitors: Any, app: FastAPI
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    await online(ada)
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("Hello?")
    chat_id = chat["id"]
    assert (await ada.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    visitor_ws = await messenger_socket(live, visitor, {chat_id: chat["last_seq"]})
    ada_ws, bob_ws = await desk_socket(live, ada), await desk_socket(live, bob)
    # Bob reads the chat along (its window open): he hears its messages and typing, not drafts.
    await bob_ws.request({"type": "resume", "chats": {chat_id: 0}})
    events_before = await count_rows(app, ChatEvent)

    draft = "My order number is 12345678, and"
    await visitor_ws.request({"type": "typing", "chat_id": chat_id, "typing": True, "text": draft})
    heard = await ada_ws.event(PREVIEW)
    assert heard["data"] == {"chat_id": chat_id, "text": draft[:20]}  # the message length
    assert heard["seq"] is None
    await bob_ws.event("chat.typing")  # he hears that the visitor types
    await _page_seen(visitor_ws, ada_ws, bob_ws, url="https://shop.test/1")
    assert bob_ws.of_type(PREVIEW) == []
    assert visitor_ws.of_type(PREVIEW) == []

    # Stopping (sent, emptied, idle) clears it.
    await visitor_ws.request({"type": "typing", "chat_id": chat_id, "typing": False})
    cleared = await ada_ws.event(PREVIEW, text="")
    assert cleared["data"]["chat_id"] == chat_id

    # Kept nowhere: no chat event, no audit line, nothing in the chat's history.
    assert await count_rows(app, ChatEvent) == events_before
    async with app.state.sessionmaker() as session:
        kept = await session.scalars(select(AuditEvent))
        assert all("12345678" not in repr(vars(entry)) for entry in kept)
    history = (await ada.client.get(f"/api/v1/chats/{chat_id}")).json()
    assert "12345678" not in str(history)
    for sock in (ada_ws, bob_ws, visitor_ws):
        await sock.close()


async def test_an_inbox_that_switched_it_off_sends_no_draft(
    live: str, desk: Desk, visitors: Any, app: FastAPI
) -> None:
    admin = await desk.agent(role="admin")
    inbox = await desk.inbox()
    url = f"/api/v1/inboxes/{inbox['id']}"
    bad = await admin.client.patch(url, json={"messenger_settings": {"typing_preview": "maybe"}})
    assert bad.status_code == 422
    off = await admin.client.patch(url, json={"messenger_settings": {"typing_preview": "off"}})
    assert off.status_code == 200, off.text
    async with app.state.sessionmaker() as session:
        audited = (
            await session.scalars(select(AuditEvent).where(AuditEvent.target_type == "inbox"))
        ).all()
    assert any(
        e.changes.get("messenger_settings", [None, {}])[1].get("typing_preview") == "off"
        for e in audited
    )
    status = await visitor_status(visitors, inbox)
    assert status["settings"]["typing_preview"] == "off"  # the messenger then sends none

    ada = await desk.agent(inboxes=[inbox], name="Ada")
    await online(ada)
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("Hello?")
    chat_id = chat["id"]
    assert (await ada.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    visitor_ws = await messenger_socket(live, visitor, {chat_id: chat["last_seq"]})
    ada_ws = await desk_socket(live, ada)

    # A messenger that sends a draft anyway: the server relays none of it.
    frame = {"type": "typing", "chat_id": chat_id, "typing": True, "text": "secret"}
    await visitor_ws.request(frame)
    await ada_ws.event("chat.typing")
    await visitor_ws.request({"type": "typing", "chat_id": chat_id, "typing": False})
    await _page_seen(visitor_ws, ada_ws, url="https://shop.test/2")
    assert ada_ws.of_type(PREVIEW) == []
    for sock in (ada_ws, visitor_ws):
        await sock.close()


async def visitor_status(visitors: Any, inbox: dict[str, Any]) -> dict[str, Any]:
    visitor = await visitors(inbox)
    response = await visitor.client.get(f"/messenger/v1/status?inbox={inbox['public_key']}")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result
