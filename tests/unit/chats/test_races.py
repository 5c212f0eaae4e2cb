"""Concurrency: whatever happens at the same moment, the outcome is exactly one of each."""

from __future__ import annotations

import asyncio
from typing import Any

from frontdesk.chats.models import Chat, ChatEvent
from frontdesk.tickets.models import Ticket
from tests.conftest import Desk
from tests.unit.support import online


async def count(desk: Desk, model: Any, **where: Any) -> int:
    from sqlalchemy import func, select

    async with desk.app.state.sessionmaker() as session:
        query = select(func.count()).select_from(model).filter_by(**where)
        return int(await session.scalar(query) or 0)


async def test_two_agents_join_the_same_waiting_chat_at_once(desk: Desk, visitors: Any) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    grace = await desk.agent(inboxes=[inbox], name="Grace")
    await online(ada)
    await online(grace)
    chat_id = (await (await visitors(inbox)).start_chat())["id"]
    first, second = await asyncio.gather(
        ada.client.post(f"/api/v1/chats/{chat_id}/join"),
        grace.client.post(f"/api/v1/chats/{chat_id}/join"),
    )
    statuses = sorted([first.status_code, second.status_code])
    assert statuses == [200, 409]
    refused = first if first.status_code == 409 else second
    assert refused.json()["error"]["code"] == "already_joined"
    assert "already answering this chat" in refused.json()["error"]["message"]
    joins = await count(desk, ChatEvent, chat_id=chat_id, type="chat.joined")
    assert joins == 1


async def test_an_agent_with_room_for_one_joins_two_chats_at_once(
    desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], max_concurrent_chats=1)
    await online(ada)
    one = (await (await visitors(inbox)).start_chat())["id"]
    two = (await (await visitors(inbox)).start_chat())["id"]
    results = await asyncio.gather(
        ada.client.post(f"/api/v1/chats/{one}/join"), ada.client.post(f"/api/v1/chats/{two}/join")
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    refused = next(r for r in results if r.status_code == 409)
    assert refused.json()["error"]["code"] == "at_capacity"
    assert "limit of 1 simultaneous chats" in refused.json()["error"]["message"]
    bar = (await ada.client.get("/api/v1/chats/bar")).json()
    assert [item["color"] for item in bar] == ["green"]  # no red offer while at the limit


async def test_two_participants_end_the_same_chat_at_once(desk: Desk, visitors: Any) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    grace = await desk.agent(inboxes=[inbox], name="Grace")
    await online(ada)
    await online(grace)
    chat_id = (await (await visitors(inbox)).start_chat())["id"]
    await ada.client.post(f"/api/v1/chats/{chat_id}/join")
    await ada.client.post(f"/api/v1/chats/{chat_id}/invite", json={"user_id": grace.id})
    assert (await grace.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    results = await asyncio.gather(
        ada.client.post(f"/api/v1/chats/{chat_id}/end"),
        grace.client.post(f"/api/v1/chats/{chat_id}/end"),
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    assert await count(desk, Ticket) == 1
    ended_by = next(r for r in results if r.status_code == 200)
    ticket_id = ended_by.json()["ticket_id"]
    async with desk.app.state.sessionmaker() as session:
        chat = await session.get(Chat, chat_id)
        ticket = await session.get(Ticket, ticket_id)
        assert chat is not None
        assert ticket is not None
        assert chat.ticket_id == ticket_id
        assert ticket.assignee_id == chat.ended_by_id


async def test_the_same_message_sent_twice_at_once_is_stored_once(
    desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await online(ada)
    visitor = await visitors(inbox)
    chat_id = (await visitor.start_chat())["id"]
    body = {"text": "is anyone there?", "client_msg_id": "retry-1"}
    results = await asyncio.gather(
        *(
            visitor.client.post(f"/messenger/v1/chats/{chat_id}/messages", json=body)
            for _ in range(3)
        )
    )
    assert {r.status_code for r in results} == {201}
    assert sorted(r.json()["duplicate"] for r in results) == [False, True, True]
    assert len({r.json()["seq"] for r in results}) == 1
    assert await count(desk, ChatEvent, chat_id=chat_id, client_msg_id="retry-1") == 1


async def test_a_chat_started_again_with_the_same_message_id_is_the_same_chat(
    desk: Desk, visitors: Any
) -> None:
    """The messenger sends a start again with the same client_msg_id when it lost the answer:
    however many attempts, at once or later, the visitor has one chat, and so one ticket."""
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await online(ada)
    visitor = await visitors(inbox)
    body = {"name": "Marie", "text": "Hello, I need help", "client_msg_id": "start-1"}
    results = await asyncio.gather(
        *(visitor.client.post("/messenger/v1/chats", json=body) for _ in range(3))
    )
    assert {r.status_code for r in results} == {201}
    (chat_id,) = {r.json()["id"] for r in results}
    again = await visitor.client.post("/messenger/v1/chats", json=body)
    assert again.json()["id"] == chat_id
    assert await count(desk, Chat) == 1
    assert await count(desk, ChatEvent, chat_id=chat_id, client_msg_id="start-1") == 1
    # A start with a new id is a new chat.
    other = await visitor.start_chat(client_msg_id="start-2")
    assert other["id"] != chat_id
