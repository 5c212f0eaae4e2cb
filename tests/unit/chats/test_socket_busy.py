"""A messenger's hello the server cannot take for a moment (its database restarting): answered
with when to come back, an `error` frame with `retry_after` and a `1013` close whose reason says
`retry_after=N`, which the messenger heeds (docs/realtime.md, docs/messenger.md); not a bare
1011 that every messenger retries at once, and never a 4401 that would throw the visitor away."""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk.chats import socket as chat_socket
from frontdesk.realtime.gateway import CLOSE_TRY_AGAIN
from tests.conftest import SQLITE_ONLY, Desk
from tests.realtime import connect, messenger_socket

pytestmark = SQLITE_ONLY


async def test_a_hello_while_the_database_is_away_says_when_to_come_back(
    live: str, desk: Desk, visitors: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = await desk.inbox()
    visitor = await visitors(inbox)

    async def away(*_args: Any, **_kwargs: Any) -> Any:
        raise ConnectionError("the database restarted")

    monkeypatch.setattr(chat_socket, "authenticate_visitor", away)
    hello = await connect(f"ws://{live}/messenger/v1/ws")
    await hello.send({"type": "hello", "ref": "hello", "token": visitor.token})
    refused = await hello.wait_for(lambda frame: frame.get("ref") == "hello")
    assert refused["type"] == "error"
    assert refused["error"]["code"] == "database_unavailable"
    assert refused["error"]["retry_after"] == 2
    assert await hello.wait_closed() == CLOSE_TRY_AGAIN
    assert hello.connection.close_reason == "retry_after=2"

    # Back: the same visitor is welcome, nothing about them was forgotten.
    monkeypatch.undo()
    await (await messenger_socket(live, visitor)).close()
