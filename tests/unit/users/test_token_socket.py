"""A desk socket opened with an API token that runs out closes when the token does, as one
opened with a login closes with the login: over the real WebSocket, with the test clock moved
past the expiry (docs/security.md, "What an API token cannot do")."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import update

from frontdesk.realtime.gateway import CLOSE_UNAUTHENTICATED
from frontdesk.users.models import ApiToken
from tests.clock import FrozenClock
from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.realtime import Socket, connect, serve
from tests.unit.support import online

pytestmark = SQLITE_ONLY

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, NOW)


@pytest.fixture
async def live(app: FastAPI) -> AsyncIterator[str]:
    async with serve(app) as host:
        yield host


async def token_socket(live: str, agent: Agent, **fields: object) -> tuple[Socket, int]:
    made = await agent.client.post(
        "/api/v1/me/tokens", json={"name": "wall screen", "access": "read"} | fields
    )
    assert made.status_code == 201, made.text
    sock = await connect(f"ws://{live}/api/v1/ws", Authorization=f"Bearer {made.json()['token']}")
    return sock, int(made.json()["id"])


async def test_a_frame_after_the_token_expired_closes_the_socket(
    clock: FrozenClock, live: str, desk: Desk
) -> None:
    ada = await desk.agent(inboxes=[await desk.inbox()])
    sock, _ = await token_socket(live, ada, expires_in_days=1)
    await sock.event("ready")
    assert (await sock.request({"type": "pong"}))["type"] == "ack"

    clock.advance(days=1)
    await sock.send({"type": "resume", "chats": {}})
    assert await sock.wait_closed() == CLOSE_UNAUTHENTICATED
    assert not sock.of_type("ack")[1:], "a frame was answered after the token expired"


async def test_an_event_after_the_token_expired_is_not_heard_and_closes_the_socket(
    clock: FrozenClock, live: str, desk: Desk
) -> None:
    ada = await desk.agent(inboxes=[await desk.inbox()])
    sock, _ = await token_socket(live, ada, expires_in_days=1)
    await sock.event("ready")

    clock.advance(days=1, seconds=1)
    await online(ada)  # by her login, still valid: an event every desk hears
    assert await sock.wait_closed() == CLOSE_UNAUTHENTICATED
    assert not sock.of_type("agent.availability_changed")


async def test_the_socket_closes_at_the_tokens_expiry_without_any_frame(
    clock: FrozenClock, live: str, desk: Desk, app: FastAPI
) -> None:
    ada = await desk.agent(inboxes=[await desk.inbox()])
    made = await ada.client.post("/api/v1/me/tokens", json={"name": "script"})
    assert made.status_code == 201, made.text
    # Valid when the socket opens (the clock stands still), due a millisecond later: only the
    # connection's timer can close it.
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(
            update(ApiToken)
            .where(ApiToken.id == made.json()["id"])
            .values(expires_at=NOW + timedelta(milliseconds=1))
        )
    sock = await connect(f"ws://{live}/api/v1/ws", Authorization=f"Bearer {made.json()['token']}")
    assert await sock.wait_closed() == CLOSE_UNAUTHENTICATED
