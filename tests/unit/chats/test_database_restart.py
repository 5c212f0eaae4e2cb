"""A visitor's message over the socket while PostgreSQL restarts: answered `database_unavailable`
with when to try again, never `internal`, and stored once when sent again with its client id,
as the messenger does (docs/realtime.md, docs/deploy.md)."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from frontdesk.chats.statements import PostgresRows
from tests.conftest import POSTGRESQL_ONLY, Desk
from tests.realtime import desk_socket, messenger_socket
from tests.unit.support import error_of, online, terminate_backends


async def _chatting(desk: Desk, visitors: Any) -> tuple[Any, int]:
    """A visitor in a chat that has said "hello", with an agent online."""
    inbox = await desk.inbox()
    await online(await desk.agent(inboxes=[inbox], name="Ada"))
    visitor = await visitors(inbox)
    return visitor, (await visitor.start_chat("hello"))["id"]


async def _stored_texts(visitor: Any, chat: int) -> list[str]:
    events = (await visitor.client.get(f"/messenger/v1/chats/{chat}")).json()["events"]
    return [e["data"]["message"]["text"] for e in events if e["type"] == "chat.message_added"]


@POSTGRESQL_ONLY
async def test_a_message_when_the_database_restarted_is_refused_for_now_then_stored_once(
    app: object, desk: Desk, visitors: Any, live: str, pg_url: str
) -> None:
    visitor, chat = await _chatting(desk, visitors)
    sock = await messenger_socket(live, visitor)
    frame = {"type": "message", "chat_id": chat, "text": "still there?", "client_msg_id": "m-1"}
    try:
        await terminate_backends(pg_url)
        refused = await sock.request(dict(frame))
        assert refused["type"] == "error"
        assert refused["error"]["code"] == "database_unavailable"
        assert refused["error"]["retry_after"] == 2
        # Each try a frame of its own: the socket matches answers by the frame's ref.
        assert (await sock.request(dict(frame)))["type"] == "ack"
        assert (await sock.request(dict(frame)))["type"] == "ack"
    finally:
        await sock.close()
    assert await _stored_texts(visitor, chat) == ["hello", "still there?"]


@POSTGRESQL_ONLY
async def test_a_batch_whose_connection_is_lost_midway_stores_its_message_once(
    app: object,
    desk: Desk,
    visitors: Any,
    live: str,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PostgreSQL restarts while the writer's transaction is open, between its statements on
    asyncpg's own connection: nothing of the batch is kept, the sender is answered (stored, or
    `database_unavailable`: try again), and the process goes on with new connections."""
    visitor, chat = await _chatting(desk, visitors)
    sock = await messenger_socket(live, visitor)
    restarted: list[int] = []
    write = PostgresRows.write

    async def restart_midway(self: PostgresRows, *rows: Any) -> list[int]:
        if not restarted:
            restarted.append(1)
            await terminate_backends(pg_url)
        return await write(self, *rows)

    monkeypatch.setattr(PostgresRows, "write", restart_midway)
    frame = {"type": "message", "chat_id": chat, "text": "still there?", "client_msg_id": "m-1"}
    try:
        answers = [await sock.request(dict(frame)) for _ in range(3)]
        assert restarted, "the batch never reached its write: nothing tested"
        codes = [a["error"]["code"] for a in answers if a["type"] == "error"]
        assert set(codes) <= {"database_unavailable"}, answers
        assert answers[-1]["type"] == "ack", answers
        seqs = {a["data"]["seq"] for a in answers if a["type"] == "ack"}
        assert len(seqs) == 1, answers  # every ack names the one stored message
        later = {"type": "message", "chat_id": chat, "text": "and now?", "client_msg_id": "m-2"}
        assert (await sock.request(later))["type"] == "ack"
    finally:
        await sock.close()
    assert await _stored_texts(visitor, chat) == ["hello", "still there?", "and now?"]


@POSTGRESQL_ONLY
async def test_a_request_while_postgresql_refuses_connections_is_503_not_500(
    desk: Desk, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL down: its port refuses new connections, which asyncpg raises unwrapped."""
    admin = await desk.agent(role="admin")
    await terminate_backends(pg_url)

    async def refused(*_args: Any, **_kwargs: Any) -> None:
        raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")

    monkeypatch.setattr(asyncpg, "connect", refused)
    for _ in range(2):
        response = await admin.client.get("/api/v1/tickets")
        error_of(response, 503, "database_unavailable")
        assert response.headers["retry-after"]


@POSTGRESQL_ONLY
async def test_an_agents_message_while_the_database_restarts_is_answered_busy_both_ways(
    app: object, desk: Desk, visitors: Any, live: str, pg_url: str
) -> None:
    """What the desk's chat lane maps to "The server is busy — retrying…" (web/desk/src/chats/
    store.ts, `passingTrouble`): an agent's message over the socket is refused with
    `database_unavailable` and `retry_after`, over HTTP with 503 and `Retry-After`; sent again
    with its client id, it is stored once."""
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    await online(ada)
    visitor = await visitors(inbox)
    chat = (await visitor.start_chat("hello"))["id"]
    assert (await ada.client.post(f"/api/v1/chats/{chat}/join")).status_code == 200
    sock = await desk_socket(live, ada)
    # A pooled connection idle for a while is checked with the server before use (db/session.py,
    # PING_AFTER_IDLE) and the restart then goes unnoticed: on a slow machine the request may
    # meet no restart, so it is tried again, each time with a message of its own.
    sent: list[str] = []
    try:
        for attempt in range(5):
            frame = {"type": "message", "chat_id": chat, "text": f"socket {attempt}"}
            frame["client_msg_id"] = f"s-{attempt}"
            await terminate_backends(pg_url)
            sent.append(frame["text"])
            answer = await sock.request(dict(frame))
            if answer["type"] == "error":
                assert answer["error"]["code"] == "database_unavailable", answer
                assert answer["error"]["retry_after"] == 2
                assert (await sock.request(dict(frame)))["type"] == "ack"
                break
        else:
            pytest.fail("no socket message met the restart: nothing was tested")
    finally:
        await sock.close()
    for attempt in range(5):
        body = {"text": f"http {attempt}", "client_msg_id": f"h-{attempt}"}
        await terminate_backends(pg_url)
        sent.append(body["text"])
        response = await ada.client.post(f"/api/v1/chats/{chat}/messages", json=body)
        if response.status_code != 201:
            error_of(response, 503, "database_unavailable")
            assert response.headers["retry-after"] == "2"
            again = await ada.client.post(f"/api/v1/chats/{chat}/messages", json=body)
            assert again.status_code == 201
            break
    else:
        pytest.fail("no HTTP message met the restart: nothing was tested")
    # Each once, in the order sent.
    assert await _stored_texts(visitor, chat) == ["hello", *sent]
