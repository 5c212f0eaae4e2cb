"""The desk's chat lists cost the same few SQL statements whether an agent has one chat or many."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tests.conftest import Agent, Desk
from tests.unit.support import statements


async def busy_agents(desk: Desk, visitors: Any, chats: int) -> tuple[Agent, Agent]:
    """Ada and Grace in `chats` chats, each with an unread visitor message, and one more
    chat waiting: every kind of row the lists show."""
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada", max_concurrent_chats=50)
    grace = await desk.agent(inboxes=[inbox], name="Grace", max_concurrent_chats=50)
    for agent in (ada, grace):
        online = await agent.client.put("/api/v1/me/availability", json={"available": True})
        assert online.status_code == 200, online.text
    for number in range(chats):
        visitor = await visitors(inbox)
        chat = await visitor.start_chat(f"Question {number}")
        joined = await ada.client.post(f"/api/v1/chats/{chat['id']}/join")
        assert joined.status_code == 200, joined.text
        invited = await ada.client.post(
            f"/api/v1/chats/{chat['id']}/invite", json={"user_id": grace.id}
        )
        assert invited.status_code == 200, invited.text
        joined = await grace.client.post(f"/api/v1/chats/{chat['id']}/join")
        assert joined.status_code == 200, joined.text
        sent = await visitor.client.post(
            f"/messenger/v1/chats/{chat['id']}/messages",
            json={"text": "Still there?", "client_msg_id": f"v{number}"},
        )
        assert sent.status_code == 201, sent.text
    await (await visitors(inbox)).start_chat("Nobody has me yet")
    return ada, grace


async def statements_for(app: FastAPI, agent: Agent, path: str) -> tuple[int, Any]:
    with statements(app) as sent:
        response = await agent.client.get(path)
    assert response.status_code == 200, response.text
    return len(sent), response.json()


async def test_the_lists_make_as_many_statements_for_ten_chats_as_for_one(
    app: FastAPI, desk: Desk, visitors: Any
) -> None:
    counts: dict[int, dict[str, int]] = {}
    for chats in (1, 10):
        ada, _grace = await busy_agents(desk, visitors, chats)
        counts[chats] = {}
        for path in ("/api/v1/chats", "/api/v1/chats/bar"):
            counts[chats][path], body = await statements_for(app, ada, path)
            assert len(body) == chats + 1, body
        # What the lists say is still right for every chat.
        _n, ongoing = await statements_for(app, ada, "/api/v1/chats")
        joined = [chat for chat in ongoing if chat["state"] == "active"]
        assert len(joined) == chats
        for chat in joined:
            assert [p["name"] for p in chat["participants"]] == ["Ada", "Grace"]
            assert chat["unread"] == 1
        _n, bar = await statements_for(app, ada, "/api/v1/chats/bar")
        assert sorted((item["color"], item["unread"]) for item in bar) == [
            ("orange", 1)
        ] * chats + [("red", 0)]
    assert counts[10] == counts[1], counts
