"""Ghost-proof presence across two real server processes on PostgreSQL and Redis: the agent's desk
is held by one process, the visitor asks the other whether anyone is online. The grace is one
second here, so the processes' own idle timers act on their own clocks."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.cluster import OWNER_EMAIL, login, running
from tests.realtime import connect

pytestmark = pytest.mark.integration


@pytest.fixture
def cluster(pg_url: str, redis_url: str, tmp_path: Path) -> Iterator[list[str]]:
    with running(
        database_url=pg_url,
        redis_url=redis_url,
        data_dir=tmp_path,
        extra_env={"FRONTDESK_AGENT_GRACE": "1"},
    ) as urls:
        yield urls


async def becomes(online: bool, visitor: httpx.AsyncClient, key: str, timeout: float = 15) -> None:
    """Waits until the messenger's status says `online` (the timers tick every half second)."""
    async with asyncio.timeout(timeout):
        while True:
            status = (await visitor.get("/messenger/v1/status", params={"inbox": key})).json()
            if status["online"] is online:
                return
            await asyncio.sleep(0.2)


async def test_a_closed_desk_goes_offline_for_visitors_of_the_other_process_and_comes_back(
    cluster: list[str],
) -> None:
    visitor_side, agent_side = cluster
    owner = await login(agent_side, OWNER_EMAIL)
    inbox = (await owner.post("/api/v1/inboxes", json={"name": "Support"})).json()
    me = (await owner.get("/api/v1/me")).json()
    await owner.post(f"/api/v1/inboxes/{inbox['id']}/members", json={"user_id": me["id"]})
    owner_cookie = f"frontdesk_session={owner.cookies['frontdesk_session']}"
    desk = await connect(f"ws://{agent_side}/api/v1/ws", Cookie=owner_cookie)
    await desk.event("ready")
    assert (await owner.put("/api/v1/me/availability", json={"available": True})).is_success
    visitor = httpx.AsyncClient(base_url=f"http://{visitor_side}")
    key = inbox["public_key"]
    await becomes(True, visitor, key)

    await desk.close()  # the agent closes the desk held by process B
    await becomes(False, visitor, key)  # process A's visitors see offline after the grace
    assert (await owner.get("/api/v1/me")).json()["available_for_chat"] is False

    # The desk reopens on process A: back online, for process B's visitors too.
    desk = await connect(f"ws://{visitor_side}/api/v1/ws", Cookie=owner_cookie)
    await desk.event("ready")
    other_side = httpx.AsyncClient(base_url=f"http://{agent_side}")
    await becomes(True, other_side, key)
    await desk.close()
    for client in (owner, visitor, other_side):
        await client.aclose()
