"""Realtime over real WebSockets against a running server: offers, the conversation both ways,
resume with no gap and no duplicate, retried sends, malformed frames, close codes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fastapi import FastAPI

from frontdesk.chats.models import AvailabilityChange
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.realtime import connect, desk_socket, messenger_socket, session_cookie
from tests.unit.support import count_rows, online

pytestmark = SQLITE_ONLY


@BOTH_STORES
async def test_the_conversation_flows_both_ways_live(live: str, desk: Desk, visitors: Any) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    busy = await desk.agent(inboxes=[inbox], name="Busy", max_concurrent_chats=0)
    await online(ada)
    await online(busy)
    ada_ws, busy_ws = await desk_socket(live, ada), await desk_socket(live, busy)
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("Where is my parcel?")
    chat_id = chat["id"]
    visitor_ws = await messenger_socket(live, visitor, {chat_id: chat["last_seq"]})

    offered = await ada_ws.event("chat.offered")
    assert offered["data"]["chat"]["id"] == chat_id
    await ada_ws.event("chat.started", chat_id=chat_id)
    assert busy_ws.of_type("chat.offered") == []
    # Messages go only to desks that follow the chat; opening it (resume) follows it.
    assert ada_ws.of_type("chat.message_added") == []
    await ada_ws.request({"type": "resume", "chats": {chat_id: 0}})
    first = await ada_ws.event("chat.message_added", chat_id=chat_id)
    assert first["data"]["message"]["text"] == "Where is my parcel?"

    assert (await ada.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    joined = await visitor_ws.event("chat.joined", chat_id=chat_id)
    assert joined["data"]["user"]["name"] == "Ada"
    assert "chat" not in joined["data"]  # agent-only data never reaches the visitor

    ack = await ada_ws.request(
        {"type": "message", "chat_id": chat_id, "text": "On its way!", "client_msg_id": "a-1"}
    )
    assert ack["type"] == "ack"
    assert ack["data"]["duplicate"] is False
    heard = await visitor_ws.event("chat.message_added", seq=ack["data"]["seq"])
    assert heard["data"]["message"]["text"] == "On its way!"
    assert heard["data"]["message"]["author"]["name"] == "Ada"

    await visitor_ws.send({"type": "typing", "chat_id": chat_id, "typing": True})
    typing = await ada_ws.event("chat.typing")
    assert typing["data"]["typing"] is True
    assert typing["seq"] is None

    await visitor_ws.send({"type": "page", "url": "https://shop.test/cart", "title": "Cart"})
    page = await ada_ws.event("visitor.page_viewed")
    assert page["data"] == {"chat_id": chat_id, "url": "https://shop.test/cart", "title": "Cart"}

    mine = await visitor_ws.request(
        {"type": "message", "chat_id": chat_id, "text": "Thanks!", "client_msg_id": "v-1"}
    )
    await ada_ws.event("chat.message_added", seq=mine["data"]["seq"])

    # An agent of the inbox who neither joined nor opened the chat hears its changes of state,
    # not every message.
    assert busy_ws.of_type("chat.message_added") == []
    assert (await busy_ws.event("chat.joined", chat_id=chat_id))["data"]["user"]["name"] == "Ada"

    assert (await ada.client.post(f"/api/v1/chats/{chat_id}/end")).status_code == 200
    ended = await visitor_ws.event("chat.ended", chat_id=chat_id)
    assert ended["data"]["reason"] == "agent"
    assert "ticket_id" not in ended["data"]
    assert (await ada_ws.event("chat.ended", chat_id=chat_id))["data"]["ticket_id"]
    for sock in (ada_ws, busy_ws, visitor_ws):
        await sock.close()


async def test_resume_after_a_drop_delivers_every_message_once_in_order(
    live: str, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await online(ada)
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("hi")
    chat_id = chat["id"]
    await ada.client.post(f"/api/v1/chats/{chat_id}/join")
    first = await messenger_socket(live, visitor, {chat_id: 0})
    await first.event("chat.joined")
    seen = max(frame["seq"] for frame in first.frames if frame.get("seq"))
    await first.close()

    for n in range(5):  # the visitor is away while the agent keeps writing
        response = await ada.client.post(
            f"/api/v1/chats/{chat_id}/messages", json={"text": f"m{n}", "client_msg_id": f"m{n}"}
        )
        assert response.status_code == 201

    again = await messenger_socket(live, visitor, {chat_id: seen})
    await again.wait_for(
        lambda f: f.get("type") == "chat.message_added" and f["data"]["message"]["text"] == "m4"
    )
    live_one = await ada.client.post(
        f"/api/v1/chats/{chat_id}/messages", json={"text": "m5", "client_msg_id": "m5"}
    )
    await again.event("chat.message_added", seq=live_one.json()["seq"])
    texts = [f["data"]["message"]["text"] for f in again.of_type("chat.message_added")]
    assert texts == ["m0", "m1", "m2", "m3", "m4", "m5"]
    seqs = [f["seq"] for f in again.frames if f.get("seq")]
    assert seqs == sorted(set(seqs))
    await again.close()


async def test_snapshot_plus_replay_equals_a_fresh_fetch(
    live: str, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await online(ada)
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("hi")
    chat_id = chat["id"]
    snapshot = (await visitor.client.get(f"/messenger/v1/chats/{chat_id}")).json()
    await ada.client.post(f"/api/v1/chats/{chat_id}/join")
    await ada.client.post(f"/api/v1/chats/{chat_id}/messages", json={"text": "hello there"})
    sock = await messenger_socket(live, visitor, {chat_id: snapshot["last_seq"]})
    await sock.event("chat.message_added", timeout=5)
    replayed = [f for f in sock.frames if f.get("chat_id") == chat_id and f.get("seq")]
    fresh = (await visitor.client.get(f"/messenger/v1/chats/{chat_id}")).json()
    combined = [(e["seq"], e["type"]) for e in snapshot["events"]] + [
        (f["seq"], f["type"]) for f in replayed
    ]
    assert combined == [(e["seq"], e["type"]) for e in fresh["events"]]
    await sock.close()


async def test_a_retried_send_after_a_dropped_socket_is_stored_once(
    live: str, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await online(ada)
    visitor = await visitors(inbox)
    chat_id = (await visitor.start_chat("hi"))["id"]
    frame = {
        "type": "message",
        "chat_id": chat_id,
        "text": "are you there?",
        "client_msg_id": "x-9",
    }
    first = await messenger_socket(live, visitor)
    ack1 = await first.request(dict(frame))
    await first.close()
    second = await messenger_socket(live, visitor)
    ack2 = await second.request(dict(frame))
    assert ack2["data"] == ack1["data"] | {"duplicate": True}
    history = (await visitor.client.get(f"/messenger/v1/chats/{chat_id}")).json()["events"]
    texts = [e["data"]["message"]["text"] for e in history if e["type"] == "chat.message_added"]
    assert texts == ["hi", "are you there?"]
    await second.close()


async def test_malformed_frames_get_an_error_and_the_socket_stays_usable(
    live: str, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    visitor = await visitors(inbox)
    sock = await messenger_socket(live, visitor)
    await sock.connection.send("this is not json")
    error = await sock.event("error")
    assert error["error"]["code"] == "bad_frame"
    unknown = await sock.request({"type": "launch_rockets"})
    assert unknown["error"]["code"] == "bad_frame"
    assert "launch_rockets" in unknown["error"]["message"]
    missing = await sock.request({"type": "message", "chat_id": 1})
    assert missing["error"]["code"] == "bad_frame"
    assert "text" in missing["error"]["message"]
    not_mine = await sock.request(
        {"type": "message", "chat_id": 999, "text": "x", "client_msg_id": "z"}
    )
    assert not_mine["error"]["code"] == "not_found"
    await sock.send({"type": "page", "url": "https://shop.test/", "title": "Home"})
    pong = await sock.request({"type": "pong"})
    assert pong["type"] == "ack"
    await sock.close()


async def test_unauthenticated_sockets_are_closed_with_a_clear_code(
    live: str, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    anonymous = await connect(f"ws://{live}/api/v1/ws")
    assert await anonymous.wait_closed() == 4401
    bad = await connect(f"ws://{live}/messenger/v1/ws")
    await bad.send({"type": "hello", "token": "v_nope"})
    assert await bad.wait_closed() == 4401
    ada = await desk.agent()
    foreign = await connect(
        f"ws://{live}/api/v1/ws", Cookie=session_cookie(ada.client), Origin="https://evil.test"
    )
    assert await foreign.wait_closed() == 4403
    monkeypatch.setattr("frontdesk.chats.socket.HELLO_TIMEOUT", 0.2)
    silent = await connect(f"ws://{live}/messenger/v1/ws")
    assert await silent.wait_closed() == 4408


async def test_an_api_token_opens_a_desk_socket(live: str, desk: Desk) -> None:
    ada = await desk.agent()
    token = (await ada.client.post("/api/v1/me/tokens", json={"name": "bot"})).json()["token"]
    sock = await connect(f"ws://{live}/api/v1/ws", Authorization=f"Bearer {token}")
    pong = await sock.request({"type": "pong"})
    assert pong["type"] == "ack"
    await sock.close()
    assert json.loads(json.dumps(pong))["ref"]
    await asyncio.sleep(0)


async def test_a_new_membership_reaches_an_open_desk_without_a_reload(
    live: str, desk: Desk, visitors: Any
) -> None:
    admin = await desk.agent(role="admin")
    ada = await desk.agent()
    await online(ada)
    sock = await desk_socket(live, ada)
    assert (await sock.request({"type": "pong"}))["type"] == "ack"
    inbox = (await admin.client.post("/api/v1/inboxes", json={"name": "Sales"})).json()
    added = await admin.client.post(
        f"/api/v1/inboxes/{inbox['id']}/members", json={"user_id": ada.id}
    )
    assert added.status_code == 204
    await sock.event("inbox.membership_changed")
    chat = await (await visitors(inbox)).start_chat("Do you ship to Norway?")
    await sock.event("chat.offered")
    started = await sock.event("chat.started", chat_id=chat["id"])
    assert started["data"]["chat"]["visitor_name"] == "Marie Curie"
    # The Chats page shows a new chat's first message with it, not only after a refresh.
    assert started["data"]["chat"]["last_message_text"] == "Do you ship to Norway?"
    await sock.close()


async def test_joining_by_http_makes_the_desk_follow_the_chat(
    live: str, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await online(ada)
    sock = await desk_socket(live, ada)
    assert (await sock.request({"type": "pong"}))["type"] == "ack"
    visitor = await visitors(inbox)
    chat_id = (await visitor.start_chat("hello"))["id"]
    assert (await ada.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    await sock.event("chat.joined", chat_id=chat_id)
    sent = await visitor.client.post(
        f"/messenger/v1/chats/{chat_id}/messages", json={"text": "still there?"}
    )
    heard = await sock.event("chat.message_added", seq=sent.json()["seq"])
    assert heard["data"]["message"]["text"] == "still there?"
    await sock.close()


@BOTH_STORES
async def test_a_burst_from_both_sides_is_stored_once_each_in_one_unbroken_sequence(
    live: str, desk: Desk, visitors: Any
) -> None:
    """Frames that arrive together are written together (chats/writer.py): every one is
    acknowledged with its own outcome, retries inside the burst are answered as duplicates, a
    refused frame does not sink its neighbours, and both sides hear every message once."""
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    await online(ada)
    visitor = await visitors(inbox)
    other = await visitors(inbox)
    chat = await visitor.start_chat("hi")
    chat_id = chat["id"]
    others_chat = (await other.start_chat("mine"))["id"]
    joined = await ada.client.post(f"/api/v1/chats/{chat_id}/join")
    assert joined.status_code == 200
    last_seq = joined.json()["last_seq"]
    ada_ws = await desk_socket(live, ada)
    visitor_ws = await messenger_socket(live, visitor, {chat_id: last_seq})

    def frame(sender: str, n: int, **extra: Any) -> dict[str, Any]:
        return {"type": "message", "chat_id": chat_id, "text": f"{sender} {n}",
                "client_msg_id": f"{sender}-{n}", "ref": f"{sender}-{n}"} | extra  # fmt: skip

    visitor_frames = [frame("v", n) for n in range(30)]
    visitor_frames.insert(10, frame("v", 3, ref="retry"))  # a retry in the same burst
    visitor_frames.insert(20, frame("v", 99, chat_id=others_chat, ref="intruder"))
    agent_frames = [frame("a", n) for n in range(30)]
    for sock, frames in ((visitor_ws, visitor_frames), (ada_ws, agent_frames)):
        for one in frames:  # without waiting for acks: they arrive as one burst
            await sock.connection.send(json.dumps(one))

    acks: dict[tuple[str, str, int], dict[str, Any]] = {}
    for sock, frames in ((visitor_ws, visitor_frames), (ada_ws, agent_frames)):
        for one in frames:
            acks[one["ref"], one["client_msg_id"], len(acks)] = await sock.reply(one["ref"])
    intruder = next(a for (ref, _, _), a in acks.items() if ref == "intruder")
    assert intruder["type"] == "error"
    assert intruder["error"]["code"] == "not_found"
    stored = [a["data"] for (ref, _, _), a in acks.items() if ref != "intruder"]
    assert all(a["type"] == "ack" for (ref, _, _), a in acks.items() if ref != "intruder")
    fresh = sorted(a["seq"] for a in stored if not a["duplicate"])
    assert fresh == list(range(last_seq + 1, last_seq + 61))
    retried = [a for a in stored if a["duplicate"]]
    first_v3 = next(a for (ref, c, _), a in acks.items() if c == "v-3")["data"]
    assert retried == [first_v3 | {"duplicate": True}]

    history = (await visitor.client.get(f"/messenger/v1/chats/{chat_id}")).json()["events"]
    texts = [e["data"]["message"]["text"] for e in history if e["type"] == "chat.message_added"]
    assert sorted(texts) == sorted(["hi"] + [f"v {n}" for n in range(30)]
                                   + [f"a {n}" for n in range(30)])  # fmt: skip
    assert [t for t in texts if t.startswith("v ")] == [f"v {n}" for n in range(30)]
    heard = await visitor_ws.event("chat.message_added", seq=fresh[-1])
    assert heard["seq"] == fresh[-1]
    seen = [f["seq"] for f in visitor_ws.of_type("chat.message_added") if f["chat_id"] == chat_id]
    assert seen == sorted(set(seen))  # in order, none twice
    assert set(fresh) <= set(seen)
    assert (await other.client.get(f"/messenger/v1/chats/{others_chat}")).json()["events"][-1][
        "data"
    ]["message"]["text"] == "mine"
    await ada_ws.close()
    await visitor_ws.close()


async def test_a_chat_of_another_inbox_does_not_exist_for_any_desk_frame(
    live: str, desk: Desk, visitors: Any
) -> None:
    """Like HTTP: whether the chat exists, has ended or holds a message id is not for an
    outsider to learn, whatever the frame."""
    theirs = await desk.inbox(name="Theirs")
    bob = await desk.agent(inboxes=[theirs], name="Bob")
    ada = await desk.agent(inboxes=[await desk.inbox(name="Mine")], name="Ada")
    await online(bob)
    chat_id = (await (await visitors(theirs)).start_chat("private matter"))["id"]
    assert (await bob.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    sent = await bob.client.post(
        f"/api/v1/chats/{chat_id}/messages", json={"text": "hello", "client_msg_id": "b-1"}
    )
    assert sent.status_code == 201, sent.text
    over_http = await ada.client.post(
        f"/api/v1/chats/{chat_id}/messages", json={"text": "hi", "client_msg_id": "b-1"}
    )
    assert over_http.status_code == 404
    ada_ws = await desk_socket(live, ada)

    def frames(target: int) -> list[dict[str, Any]]:
        return [
            {"type": "message", "chat_id": target, "text": "hi", "client_msg_id": "b-1"},
            {"type": "message", "chat_id": target, "text": "hi", "client_msg_id": "a-1"},
            {"type": "typing", "chat_id": target, "typing": True},
            {"type": "read", "chat_id": target, "seq": 1},
            {"type": "resume", "chats": {target: 0}},
        ]

    async def answers(target: int) -> list[dict[str, Any]]:
        return [(await ada_ws.request(frame))["error"] for frame in frames(target)]

    going_on = await answers(chat_id)
    assert {error["code"] for error in going_on} == {"not_found"}
    assert going_on == await answers(chat_id + 1000)
    assert going_on[0] == over_http.json()["error"]
    assert (await bob.client.post(f"/api/v1/chats/{chat_id}/end")).status_code == 200
    assert await answers(chat_id) == going_on
    events = (await bob.client.get(f"/api/v1/chats/{chat_id}")).json()["events"]
    assert [e["data"]["message"]["text"] for e in events if e["type"] == "chat.message_added"] == [
        "private matter",
        "hello",
    ]
    await ada_ws.close()


async def test_only_the_agents_in_a_chat_type_in_it(live: str, desk: Desk, visitors: Any) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    await online(ada)
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("Hello?")
    chat_id = chat["id"]
    visitor_ws = await messenger_socket(live, visitor, {chat_id: chat["last_seq"]})
    assert (await ada.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200

    # Bob sees the chat (his inbox) but is not in it: over HTTP and over his socket alike.
    over_http = await bob.client.post(f"/api/v1/chats/{chat_id}/typing", json={"typing": True})
    assert over_http.status_code == 403
    assert over_http.json()["error"]["code"] == "not_participant"
    bob_ws = await desk_socket(live, bob)
    refused = await bob_ws.request({"type": "typing", "chat_id": chat_id, "typing": True})
    assert refused["error"]["code"] == "not_participant"

    ada_ws = await desk_socket(live, ada)
    await ada_ws.request({"type": "typing", "chat_id": chat_id, "typing": True})
    heard = await visitor_ws.event("chat.typing")
    assert heard["data"]["author"]["name"] == "Ada"
    assert len(visitor_ws.of_type("chat.typing")) == 1
    for sock in (bob_ws, ada_ws, visitor_ws):
        await sock.close()


async def test_deactivating_the_last_online_agent_takes_them_offline_and_ends_waiting_chats(
    live: str, desk: Desk, visitors: Any, app: FastAPI
) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Admin")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    await online(bob)
    admin_ws = await desk_socket(live, admin)
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("Anyone there?")
    visitor_ws = await messenger_socket(live, visitor, {chat["id"]: chat["last_seq"]})

    response = await admin.client.patch(f"/api/v1/users/{bob.id}", json={"is_active": False})
    assert response.status_code == 200, response.text

    changed = await admin_ws.event("agent.availability_changed")
    assert changed["data"] == {
        "user": {"id": bob.id, "name": "Bob"},
        "available": False,
        "reason": "deactivated",
    }
    ended = await visitor_ws.event("chat.ended", chat_id=chat["id"])
    assert ended["data"]["reason"] == "unanswered"
    detail = (await admin.client.get(f"/api/v1/chats/{chat['id']}")).json()
    assert detail["state"] == "ended"
    ticket = (await admin.client.get(f"/api/v1/tickets/{detail['ticket_id']}")).json()
    assert (ticket["state"], ticket["assignee_id"]) == ("open", None)
    logged = AvailabilityChange.user_id == bob.id, AvailabilityChange.reason == "deactivated"
    assert await count_rows(app, AvailabilityChange, *logged) == 1
    for sock in (admin_ws, visitor_ws):
        await sock.close()


async def test_a_transfer_whose_asker_leaves_first_is_withdrawn_from_the_invitees_desk(
    live: str, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    grace = await desk.agent(inboxes=[inbox], name="Grace")
    for agent in (ada, bob, grace):
        await online(agent)
    visitor = await visitors(inbox)
    chat_id = (await visitor.start_chat("My order is late"))["id"]
    assert (await ada.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    invite = await ada.client.post(f"/api/v1/chats/{chat_id}/invite", json={"user_id": bob.id})
    assert invite.status_code == 200, invite.text
    assert (await bob.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    grace_ws = await desk_socket(live, grace)
    transfer = await ada.client.post(
        f"/api/v1/chats/{chat_id}/transfer", json={"user_id": grace.id}
    )
    assert transfer.status_code == 200, transfer.text
    await grace_ws.event("chat.offered", invitation="transfer")

    # Ada leaves before Grace takes over: Bob keeps the chat, and Grace is no longer asked to.
    assert (await ada.client.post(f"/api/v1/chats/{chat_id}/leave")).status_code == 200
    cancelled = await grace_ws.event("chat.invitation_cancelled", chat_id=chat_id)
    assert cancelled["data"] == {"user": {"id": grace.id, "name": "Grace"}}
    left = await grace_ws.event("chat.left", chat_id=chat_id)
    assert cancelled["seq"] + 1 == left["seq"]
    assert (await grace.client.get("/api/v1/chats/bar")).json() == []
    await grace_ws.close()
