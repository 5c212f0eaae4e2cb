"""What the chat hot paths publish and what they cost: the events an action sends after its commit
(held to the realtime catalogue by the `published` fixture), and a number of SQL statements that
does not grow with the chat's history or the agent's number of chats."""

from __future__ import annotations

from typing import Any

from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk, Published, Statements
from tests.unit.support import online

pytestmark = SQLITE_ONLY


async def joined_chat(agent: Agent, visitor: Any) -> dict[str, Any]:
    chat: dict[str, Any] = await visitor.start_chat("My order is late")
    response = await agent.client.post(f"/api/v1/chats/{chat['id']}/join")
    assert response.status_code == 200, response.text
    return chat


async def say(agent: Agent, chat: dict[str, Any], text: str) -> None:
    response = await agent.client.post(
        f"/api/v1/chats/{chat['id']}/messages",
        json={"text": text, "client_msg_id": text.replace(" ", "-")},
    )
    assert response.status_code == 201, response.text


async def test_a_message_is_published_once_to_the_chats_followers_and_once_to_its_visitor(
    desk: Desk, visitors: Any, published: Published
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await online(ada)
    visitor = await visitors(inbox)
    chat = await joined_chat(ada, visitor)
    followers, messenger = f"chat:{chat['id']}", f"visitor:{visitor.id}"

    published.clear()
    await say(ada, chat, "Let me check")
    assert published.summary() == [
        ("chat.message_added", [followers], {"message"}),
        ("chat.message_added", [messenger], {"message"}),
    ]

    published.clear()
    reply = await visitor.client.post(
        f"/messenger/v1/chats/{chat['id']}/messages", json={"text": "Thanks", "client_msg_id": "v"}
    )
    assert reply.status_code == 201, reply.text
    assert published.summary() == [
        ("chat.message_added", [followers], {"message"}),
        ("chat.message_added", [messenger], {"message"}),
    ]
    agents_copy, visitors_copy = (m.envelope for m in published.messages)
    assert agents_copy.seq == visitors_copy.seq == reply.json()["seq"]
    assert visitors_copy.data["message"]["author"] == {
        "kind": "visitor",
        "id": None,
        "name": "Marie Curie",
    }


async def test_a_joined_chat_tells_the_visitor_who_joined_but_not_the_chats_summary(
    desk: Desk, visitors: Any, published: Published
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    await online(ada)
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("Hello")

    published.clear()
    response = await ada.client.post(f"/api/v1/chats/{chat['id']}/join")
    assert response.status_code == 200, response.text
    joined = [m for m in published.messages if m.envelope.type == "chat.joined"]
    assert [(m.topics, set(m.envelope.data)) for m in joined] == [
        ([f"inbox:{inbox['id']}", f"chat:{chat['id']}"], {"user", "chat"}),
        ([f"visitor:{visitor.id}"], {"user"}),
    ]


async def test_posting_a_message_costs_the_same_statements_however_long_the_chat(
    desk: Desk, visitors: Any, statements: Statements
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await online(ada)
    chat = await joined_chat(ada, await visitors(inbox))
    await say(ada, chat, "first")

    with statements.count() as short_chat:
        await say(ada, chat, "second")
    for n in range(20):
        await say(ada, chat, f"more {n}")
    with statements.count() as long_chat:
        await say(ada, chat, "last")

    assert len(long_chat) == len(short_chat), long_chat


@BOTH_STORES
async def test_the_chat_bar_costs_the_same_statements_for_one_chat_or_ten(
    desk: Desk, visitors: Any, statements: Statements
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], max_concurrent_chats=20)
    await online(ada)

    async def add_chats(n: int) -> None:
        for _ in range(n):
            # One the agent is in (with an unread message), one still waiting for someone.
            visitor = await visitors(inbox)
            chat = await joined_chat(ada, visitor)
            reply = await visitor.client.post(
                f"/messenger/v1/chats/{chat['id']}/messages",
                json={"text": "Still there?", "client_msg_id": "v"},
            )
            assert reply.status_code == 201, reply.text
            await (await visitors(inbox)).start_chat("Anyone?")

    async def bar_statements() -> int:
        with statements.count() as ran:
            response = await ada.client.get("/api/v1/chats/bar")
        assert response.status_code == 200, response.text
        return len(ran)

    await add_chats(1)
    one_each = await bar_statements()
    await add_chats(4)
    five_each = await bar_statements()
    assert len((await ada.client.get("/api/v1/chats/bar")).json()) == 10
    assert five_each == one_each


async def test_a_new_chat_costs_the_same_statements_for_two_online_agents_or_twelve(
    desk: Desk, visitors: Any, statements: Statements
) -> None:
    """Every online agent of the inbox is offered the chat and told by a notification: told
    together, so a big team does not slow down the visitor's first message (it did: ~2
    statements per agent, 400 ms for 200 agents)."""

    async def start_chat_statements(agents: int) -> int:
        inbox = await desk.inbox()
        for _ in range(agents):
            await online(await desk.agent(inboxes=[inbox]))
        visitor = await visitors(inbox)
        await visitor.start_chat("warm up")
        other = await visitors(inbox)
        with statements.count() as ran:
            await other.start_chat("Hello?")
        # The notifications are added together: one INSERT on PostgreSQL, but one per row
        # through our SQLite connection (cheap there: no round trip). Everything else is once.
        return len([sql for sql in ran if not sql.lstrip().startswith("INSERT INTO notifications")])

    assert await start_chat_statements(12) == await start_chat_statements(2)
