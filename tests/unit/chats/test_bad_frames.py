"""Bad frames over real WebSockets: an error frame naming the problem and a socket that stays
usable, or, for a frame over the size limit, a close with 1009 and a reason; never a dropped
socket or a traceback."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from frontdesk.realtime.gateway import MAX_FRAME_CHARS
from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.realtime import Socket, connect, desk_socket, messenger_socket

pytestmark = SQLITE_ONLY

BIG_ID = 2**31  # one past the largest id PostgreSQL's INTEGER columns can store
DEEP = "[" * 1000 + "]" * 1000


async def still_usable(sock: Socket) -> None:
    assert (await sock.request({"type": "pong"}))["type"] == "ack"


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def joined_chat(desk: Desk, visitors: Any) -> tuple[Agent, Any, int]:
    """A visitor's chat, joined by Ada."""
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await ada.client.put("/api/v1/me/availability", json={"available": True})
    visitor = await visitors(inbox)
    chat_id = (await visitor.start_chat())["id"]
    assert (await ada.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    return ada, visitor, chat_id


async def test_a_frame_nested_too_deep_is_a_bad_frame(
    live: str, desk: Desk, visitors: Any, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    desk_ws = await desk_socket(live, ada)
    for raw in ('{"type": "pong", "ref": "deep", "x": ' + DEEP + "}", DEEP):
        await desk_ws.connection.send(raw)
        error = await desk_ws.wait_for(lambda f: f.get("type") == "error")
        desk_ws.frames.remove(error)
        assert error["error"]["code"] == "bad_frame"
        assert "nest" in error["error"]["message"]
        await still_usable(desk_ws)
    # Deep, but within the documented limit: an ordinary frame, ignored extras and all.
    shallow = {"type": "pong", "x": [[[[[[[[[[]]]]]]]]]]}
    assert (await desk_ws.request(shallow))["type"] == "ack"
    await desk_ws.close()

    visitor = await visitors(inbox)
    hello = await connect(f"ws://{live}/messenger/v1/ws")
    await hello.connection.send('{"type": "hello", "token": "' + visitor.token + '", "x": ' + DEEP)
    assert await hello.wait_closed() == 4401
    no_tracebacks(caplog)


async def test_a_frame_over_the_size_limit_closes_with_1009_and_a_reason(
    live: str, desk: Desk, visitors: Any, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    desk_ws = await desk_socket(live, ada)
    await still_usable(desk_ws)
    text = "x" * MAX_FRAME_CHARS
    await desk_ws.send({"type": "message", "chat_id": 1, "text": text, "client_msg_id": "big"})
    assert await desk_ws.wait_closed() == 1009
    assert f"{MAX_FRAME_CHARS:,} characters" in str(desk_ws.connection.close_reason)

    visitor = await visitors(inbox)
    hello = await connect(f"ws://{live}/messenger/v1/ws")
    await hello.send({"type": "hello", "token": visitor.token, "padding": text})
    assert await hello.wait_closed() == 1009
    # Past the protocol's own bound the frame is not even buffered: still 1009.
    messenger_ws = await messenger_socket(live, visitor)
    await messenger_ws.send({"type": "page", "url": "https://shop.test/", "title": text * 5})
    assert await messenger_ws.wait_closed() == 1009
    no_tracebacks(caplog)


async def test_a_binary_frame_is_a_bad_frame_and_the_socket_goes_on(
    live: str, desk: Desk, visitors: Any, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    visitor = await visitors(inbox)
    for sock in (await desk_socket(live, ada), await messenger_socket(live, visitor)):
        await sock.connection.send(b'{"type": "pong"}')
        error = await sock.wait_for(lambda f: f.get("type") == "error")
        sock.frames.remove(error)
        assert error["error"]["code"] == "bad_frame"
        assert "not binary frames" in error["error"]["message"]
        await still_usable(sock)
        await sock.close()
    hello = await connect(f"ws://{live}/messenger/v1/ws")
    await hello.connection.send(b"\x00\x01")
    assert await hello.wait_closed() == 4401
    no_tracebacks(caplog)


async def test_a_valid_token_in_a_malformed_hello_is_not_told_to_start_afresh(
    live: str, desk: Desk, visitors: Any
) -> None:
    """4401 tells the messenger to throw its visitor away, chats and all: only for a token that
    is missing, malformed or unknown. The rest of a hello malformed is the client's bug (1008)."""
    inbox = await desk.inbox()
    visitor = await visitors(inbox)
    for rest in ({"chats": {"12": 0, "abc": 1}}, {"extra": 1}):
        hello = await connect(f"ws://{live}/messenger/v1/ws")
        await hello.send({"type": "hello", "token": visitor.token} | rest)
        assert await hello.wait_closed() == 1008
        reason = str(hello.connection.close_reason)
        assert reason.startswith("bad hello: ")
        assert ("chats" if "chats" in rest else "extra") in reason
    for token in ("", "x" * 201):
        hello = await connect(f"ws://{live}/messenger/v1/ws")
        await hello.send({"type": "hello", "token": token, "extra": 1})
        assert await hello.wait_closed() == 4401
    await (await messenger_socket(live, visitor)).close()


async def test_ids_past_64_bits_are_not_found_and_the_socket_stays_usable(
    live: str, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    visitor = await visitors(inbox)
    desk_ws = await desk_socket(live, ada)
    messenger_ws = await messenger_socket(live, visitor)
    cases: list[tuple[Socket, list[dict[str, Any]]]] = [
        (
            desk_ws,
            [
                {"type": "resume", "chats": {str(BIG_ID): 0}},
                {"type": "message", "chat_id": BIG_ID, "text": "hi", "client_msg_id": "m-1"},
                {"type": "typing", "chat_id": BIG_ID, "typing": True},
                {"type": "read", "chat_id": BIG_ID, "seq": 1},
            ],
        ),
        (
            messenger_ws,
            [
                {"type": "resume", "chats": {str(BIG_ID): 0}},
                {"type": "message", "chat_id": BIG_ID, "text": "hi", "client_msg_id": "m-1"},
                {"type": "typing", "chat_id": BIG_ID, "typing": True},
            ],
        ),
    ]
    for sock, frames in cases:
        for frame in frames:
            reply = await sock.request(frame)
            assert reply["type"] == "error", (frame, reply)
            assert reply["error"]["code"] == "not_found", (frame, reply)
        await still_usable(sock)
    # A seq past the column is no id but a wrong value: the frame is bad.
    too_far = await messenger_ws.request({"type": "resume", "chats": {"1": BIG_ID}})
    assert too_far["error"]["code"] == "bad_frame"
    await desk_ws.close()
    await messenger_ws.close()


async def test_booleans_and_numbers_are_strict_in_frames(
    live: str, desk: Desk, visitors: Any
) -> None:
    ada, visitor, chat_id = await joined_chat(desk, visitors)
    desk_ws = await desk_socket(live, ada)
    messenger_ws = await messenger_socket(live, visitor)
    for sock, frame, field in [
        (desk_ws, {"type": "typing", "chat_id": chat_id, "typing": 1}, "typing"),
        (desk_ws, {"type": "typing", "chat_id": str(chat_id), "typing": True}, "chat_id"),
        (desk_ws, {"type": "read", "chat_id": chat_id, "seq": "1"}, "seq"),
        (desk_ws, {"type": "read", "chat_id": chat_id, "seq": True}, "seq"),
        (messenger_ws, {"type": "minimized", "minimized": 0}, "minimized"),
        (messenger_ws, {"type": "typing", "chat_id": chat_id, "typing": "false"}, "typing"),
    ]:
        reply = await sock.request(frame)
        assert reply["type"] == "error", (frame, reply)
        assert reply["error"]["code"] == "bad_frame", (frame, reply)
        assert [f["field"] for f in reply["error"]["fields"]] == [field], reply
    assert messenger_ws.of_type("chat.typing") == []
    read = await desk_ws.request({"type": "read", "chat_id": chat_id, "seq": 1})
    assert read["type"] == "ack", read
    await desk_ws.close()
    await messenger_ws.close()


async def test_a_message_with_half_an_emoji_is_refused_and_the_chat_goes_on(
    live: str, desk: Desk, visitors: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A lone UTF-16 surrogate ("\\ud83d" without its pair) is valid JSON but no character: it
    could be neither stored nor sent to anyone, so the frame is refused and nothing is kept."""
    ada, visitor, chat_id = await joined_chat(desk, visitors)
    messenger_ws = await messenger_socket(live, visitor)
    await messenger_ws.connection.send(
        f'{{"type": "message", "ref": "half", "chat_id": {chat_id}, "text": "hi \\ud83d", '
        '"client_msg_id": "half-1"}'
    )
    error = await messenger_ws.wait_for(lambda f: f.get("ref") == "half")
    assert error["type"] == "error", error
    assert error["error"]["code"] == "bad_frame", error
    whole = await messenger_ws.request(
        {"type": "message", "chat_id": chat_id, "text": "hi \U0001f600", "client_msg_id": "m-2"}
    )
    assert whole["type"] == "ack", whole
    detail = (await ada.client.get(f"/api/v1/chats/{chat_id}")).json()
    texts = [
        e["data"]["message"]["text"]
        for e in detail["events"]
        if e["type"] == "chat.message_added" and e["data"]["message"]["author"]["kind"] == "visitor"
    ]
    assert [t for t in texts if t.startswith("hi")] == ["hi \U0001f600"]
    no_tracebacks(caplog)
    await messenger_ws.close()
