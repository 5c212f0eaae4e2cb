"""Who views a ticket, across two real server processes on PostgreSQL and Redis: a desk on one
process opens a ticket and writes on it, a desk on the other hears it, and hears it end when the
first desk's socket closes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.cluster import OWNER_EMAIL, login, running
from tests.realtime import Socket, connect

pytestmark = pytest.mark.integration


@pytest.fixture
def cluster(pg_url: str, redis_url: str, tmp_path: Path) -> Iterator[list[str]]:
    with running(database_url=pg_url, redis_url=redis_url, data_dir=tmp_path) as urls:
        yield urls


def lists(sock: Socket, ticket_id: int) -> list[list[Any]]:
    return [
        [(v["user"]["id"], v["composing"]) for v in frame["data"]["viewers"]]
        for frame in sock.of_type("ticket.viewers")
        if frame["data"]["ticket_id"] == ticket_id
    ]


async def test_a_viewer_on_one_process_is_heard_and_forgotten_on_the_other(
    cluster: list[str],
) -> None:
    one, other = cluster
    owner = await login(one, OWNER_EMAIL)
    inbox = (await owner.post("/api/v1/inboxes", json={"name": "Support"})).json()
    me = (await owner.get("/api/v1/me")).json()
    await owner.post(f"/api/v1/inboxes/{inbox['id']}/members", json={"user_id": me["id"]})
    ticket = (
        await owner.post(
            "/api/v1/tickets",
            json={
                "inbox_id": inbox["id"],
                "customer": {"email": "cora@example.org"},
                "subject": "Help",
            },
        )
    ).json()
    cookie = f"frontdesk_session={owner.cookies['frontdesk_session']}"
    listening = await connect(f"ws://{other}/api/v1/ws", Cookie=cookie)
    await listening.event("ready")
    writing = await connect(f"ws://{one}/api/v1/ws", Cookie=cookie)
    await writing.event("ready")

    frame = {"type": "ticket_presence", "ticket_id": ticket["id"], "viewing": True}
    await writing.request({**frame, "composing": "reply"})
    await listening.wait_for(lambda _f: [(me["id"], "reply")] in lists(listening, ticket["id"]))
    await writing.close()
    await listening.wait_for(lambda _f: lists(listening, ticket["id"])[-1:] == [[]])
    await listening.close()
