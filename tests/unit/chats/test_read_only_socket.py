"""A desk socket opened with a read-only API token hears events and writes nothing: no message,
no typing, no read mark, no presence; and it is no desk: it keeps nobody available, brings nobody
back and gets nobody a chat (docs/security.md, "What an API token cannot do")."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.chats import service
from frontdesk.chats.models import ChatOffer, Connection
from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.realtime import connect, desk_socket
from tests.unit.support import count_rows, online

pytestmark = SQLITE_ONLY


async def expire(app: FastAPI, settings: Settings, *, at: datetime) -> int:
    """One tick of the idle timer, as if it ran at `at`."""
    async with unit_of_work(app.state.sessionmaker) as session:
        return await service.expire_idle_agents(session, now=at, grace=settings.agent_grace)


async def available(agent: Agent) -> bool:
    return bool((await agent.client.get("/api/v1/me")).json()["available_for_chat"])


async def read_token(agent: Agent) -> str:
    made = await agent.client.post("/api/v1/me/tokens", json={"name": "wall", "access": "read"})
    assert made.status_code == 201, made.text
    return str(made.json()["token"])


async def test_a_read_token_follows_chats_but_sends_nothing(
    live: str, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await online(ada)
    token = (
        await ada.client.post("/api/v1/me/tokens", json={"name": "monitor", "access": "read"})
    ).json()["token"]
    sock = await connect(f"ws://{live}/api/v1/ws", Authorization=f"Bearer {token}")
    assert (await sock.request({"type": "pong"}))["type"] == "ack"
    chat = await (await visitors(inbox)).start_chat("Is anyone there?")
    await sock.event("chat.started", chat_id=chat["id"])
    joined = await ada.client.post(f"/api/v1/chats/{chat['id']}/join")
    assert joined.status_code == 200, joined.text
    for frame in (
        {"type": "message", "chat_id": chat["id"], "text": "Hi!", "client_msg_id": "m1"},
        {"type": "typing", "chat_id": chat["id"], "typing": True},
        {"type": "read", "chat_id": chat["id"], "seq": 1},
    ):
        answer = await sock.request(frame)
        assert answer["type"] == "error", answer
        assert answer["error"]["code"] == "token_read_only"
    detail = (await ada.client.get(f"/api/v1/chats/{chat['id']}")).json()
    written = str(detail["events"])
    assert "Is anyone there?" in written
    assert "Hi!" not in written
    await sock.close()


async def test_a_read_token_socket_is_no_desk_it_brings_nobody_back_and_gets_no_chat(
    app: FastAPI, settings: Settings, live: str, desk: Desk, visitors: Any
) -> None:
    """A dashboard left open with a read token after its owner went home: they stay offline
    (no `returned`), and a waiting chat goes to whoever is at a desk, never to them."""
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    grace = await desk.agent(inboxes=[inbox], name="Grace")
    admin = await desk.agent(role="admin")
    offers = await admin.client.put(
        f"/api/v1/inboxes/{inbox['id']}/assignment",
        json={"mode": "round_robin", "ticket_limit": 10, "offer_chats": True},
    )
    assert offers.status_code == 200, offers.text
    grace_ws = await desk_socket(live, grace)
    await online(grace)
    ada_ws = await desk_socket(live, ada)
    await online(ada)
    token = await read_token(ada)
    await ada_ws.close()
    async with asyncio.timeout(10):
        while await count_rows(app, Connection, Connection.user_id == ada.id):
            await asyncio.sleep(0.02)
    gone = utcnow() + timedelta(seconds=settings.agent_grace + 1)
    assert await expire(app, settings, at=gone) == 1
    await grace_ws.event("agent.availability_changed", available=False, reason="idle")

    dashboard = await connect(f"ws://{live}/api/v1/ws", Authorization=f"Bearer {token}")
    await dashboard.event("ready")  # sent once the socket's opening is committed
    assert not await available(ada)
    assert await count_rows(app, Connection, Connection.user_id == ada.id) == 0

    chat = await (await visitors(inbox)).start_chat("Anyone?")
    async with app.state.sessionmaker() as session:
        offered = await session.scalars(
            select(ChatOffer.user_id).where(ChatOffer.chat_id == chat["id"])
        )
        assert list(offered) == [grace.id]
    assert (await grace_ws.event("chat.offered"))["data"]["chat"]["id"] == chat["id"]
    await dashboard.close()
    await grace_ws.close()


async def test_a_read_token_socket_does_not_keep_its_owner_available(
    app: FastAPI, settings: Settings, live: str, desk: Desk
) -> None:
    """Online, with only a read token's socket open: the idle expiry sets them offline after
    the grace, as with no socket at all."""
    ada = await desk.agent(inboxes=[await desk.inbox()])
    dashboard = await connect(
        f"ws://{live}/api/v1/ws", Authorization=f"Bearer {await read_token(ada)}"
    )
    await dashboard.event("ready")
    await online(ada)
    later = utcnow() + timedelta(seconds=settings.agent_grace + 1)
    assert await expire(app, settings, at=later) == 1
    assert not await available(ada)
    await dashboard.close()
