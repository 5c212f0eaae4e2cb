"""Heartbeats, rate limits and the queue a waiting visitor is shown."""

from __future__ import annotations

import json
from typing import Any

import pytest
import websockets

from frontdesk.config import Settings
from tests.conftest import Desk
from tests.unit.support import online


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"heartbeat_interval": 0.3, "visitor_rate_per_minute": 4})


async def test_a_silent_client_is_pinged_then_disconnected(
    live: str, desk: Desk, visitors: Any
) -> None:
    visitor = await visitors(await desk.inbox())
    frames: list[dict[str, Any]] = []

    async def read_until_closed(ws: websockets.ClientConnection) -> None:
        while True:
            frames.append(json.loads(await ws.recv()))

    async with websockets.connect(f"ws://{live}/messenger/v1/ws") as ws:
        await ws.send(json.dumps({"type": "hello", "token": visitor.token}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await read_until_closed(ws)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4000
    assert {"type": "ping"} in frames


async def test_a_visitor_sending_too_fast_is_told_to_wait(desk: Desk, visitors: Any) -> None:
    inbox = await desk.inbox()
    await online(await desk.agent(inboxes=[inbox]))
    visitor = await visitors(inbox)
    chat_id = (await visitor.start_chat())["id"]  # the first of four writes this minute
    statuses = []
    for n in range(4):
        response = await visitor.client.post(
            f"/messenger/v1/chats/{chat_id}/messages", json={"text": f"m{n}"}
        )
        statuses.append(response.status_code)
    assert statuses == [201, 201, 201, 429]
    assert response.json()["error"]["code"] == "rate_limited"
    assert "Wait" in response.json()["error"]["message"]
    assert int(response.headers["retry-after"]) > 0


async def test_a_waiting_visitor_sees_their_place_and_an_estimate(
    desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    await online(await desk.agent(inboxes=[inbox]))
    first, second = await visitors(inbox), await visitors(inbox)
    await first.start_chat()
    chat = await second.start_chat()
    status = (
        await second.client.get("/messenger/v1/status", params={"inbox": inbox["public_key"]})
    ).json()
    assert status["online"] is True
    assert status["chat_id"] == chat["id"]
    assert status["chat_state"] == "waiting"
    assert status["queue_position"] == 2
    assert status["estimated_wait_seconds"] > 0


async def test_only_allowed_websites_may_use_an_inbox(desk: Desk, visitors: Any, http: Any) -> None:
    inbox = await desk.inbox(allowed_origins=["https://shop.example.com"])
    allowed = await http.post(
        "/messenger/v1/visitors",
        json={"inbox": inbox["public_key"]},
        headers={"Origin": "https://shop.example.com"},
    )
    assert allowed.status_code == 201
    assert allowed.headers["access-control-allow-origin"] == "https://shop.example.com"
    refused = await http.post(
        "/messenger/v1/visitors",
        json={"inbox": inbox["public_key"]},
        headers={"Origin": "https://copycat.example.net"},
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "origin_not_allowed"
    preflight = await http.options(
        "/messenger/v1/chats",
        headers={"Origin": "https://shop.example.com", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    assert "authorization" in preflight.headers["access-control-allow-headers"]
