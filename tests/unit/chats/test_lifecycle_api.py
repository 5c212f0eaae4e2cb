"""The chat lifecycle over HTTP: start, offer, join, messages, read marks, labels, transfer,
leave, end, and the one ticket it leaves behind."""

from __future__ import annotations

from typing import Any

from tests.conftest import Desk, Published
from tests.unit.support import online


def bar(response: Any) -> dict[int, str]:
    return {item["chat"]["id"]: item["color"] for item in response.json()}


class TestLifecycle:
    async def test_whole_story_ends_in_one_closed_labelled_ticket(
        self, desk: Desk, visitors: Any, published: Published
    ) -> None:
        """`published` holds every event of the story to the realtime catalogue."""
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox], name="Ada")
        grace = await desk.agent(inboxes=[inbox], name="Grace")
        full = await desk.agent(inboxes=[inbox], name="Busy", max_concurrent_chats=0)
        offline = await desk.agent(inboxes=[inbox], name="Off")
        for agent in (ada, grace, full):
            await online(agent)
        visitor = await visitors(inbox)
        chat = await visitor.start_chat("My order is late")
        chat_id = chat["id"]

        assert bar(await ada.client.get("/api/v1/chats/bar")) == {chat_id: "red"}
        assert bar(await grace.client.get("/api/v1/chats/bar")) == {chat_id: "red"}
        assert bar(await full.client.get("/api/v1/chats/bar")) == {}
        assert bar(await offline.client.get("/api/v1/chats/bar")) == {}

        joined = await ada.client.post(f"/api/v1/chats/{chat_id}/join")
        assert joined.status_code == 200, joined.text
        assert joined.json()["state"] == "active"
        assert bar(await grace.client.get("/api/v1/chats/bar")) == {}
        assert bar(await ada.client.get("/api/v1/chats/bar")) == {chat_id: "green"}

        sent = await ada.client.post(
            f"/api/v1/chats/{chat_id}/messages",
            json={"text": "Hi! Let me check.", "client_msg_id": "a1"},
        )
        assert sent.status_code == 201
        reply = await visitor.client.post(
            f"/messenger/v1/chats/{chat_id}/messages",
            json={"text": "Thanks", "client_msg_id": "v2"},
        )
        assert reply.status_code == 201
        items = (await ada.client.get("/api/v1/chats/bar")).json()
        assert [(i["color"], i["unread"], i["meaning"]) for i in items] == [
            ("orange", 1, "Unread messages")
        ]
        read = await ada.client.post(
            f"/api/v1/chats/{chat_id}/read", json={"seq": reply.json()["seq"]}
        )
        assert read.status_code == 200
        assert bar(await ada.client.get("/api/v1/chats/bar")) == {chat_id: "green"}

        labelled = await ada.client.put(
            f"/api/v1/chats/{chat_id}/labels", json={"labels": ["shipping"]}
        )
        assert labelled.json() == {"labels": ["shipping"]}

        transfer = await ada.client.post(
            f"/api/v1/chats/{chat_id}/transfer", json={"user_id": grace.id}
        )
        assert transfer.status_code == 200, transfer.text
        assert bar(await grace.client.get("/api/v1/chats/bar")) == {chat_id: "red"}
        assert (await grace.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
        detail = (await grace.client.get(f"/api/v1/chats/{chat_id}")).json()
        present = [p["name"] for p in detail["participants"] if p["left_at"] is None]
        assert present == ["Grace"]
        assert bar(await ada.client.get("/api/v1/chats/bar")) == {}

        ended = await grace.client.post(f"/api/v1/chats/{chat_id}/end")
        assert ended.status_code == 200, ended.text
        again = await grace.client.post(f"/api/v1/chats/{chat_id}/end")
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "chat_ended"

        ticket = (await grace.client.get(f"/api/v1/tickets/{ended.json()['ticket_id']}")).json()
        assert ticket["type"] == "chat"
        assert ticket["state"] == "closed"
        assert ticket["assignee_id"] == grace.id
        assert [label["name"] for label in ticket["labels"]] == ["shipping"]
        assert ticket["customer"]["emails"] == ["marie@example.org"]
        transcript = ticket["entries"][0]
        assert transcript["kind"] == "transcript"
        for line in (
            "My order is late",
            "Hi! Let me check.",
            "Thanks",
            "Ada joined the chat",
            "Ada left the chat",
        ):
            assert line in transcript["text"]
        assert "transferred" not in transcript["text"]
        tickets = (await grace.client.get("/api/v1/tickets", params={"type": "chat"})).json()
        assert len(tickets["items"]) == 1
