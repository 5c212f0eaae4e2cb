"""A reply held by Undo send and refused at its due time reaches its author's open desks at once
(`pending_reply.failed`, docs/realtime.md), over a real WebSocket, whatever they chose for the
`reply_not_sent` notification: with the bell off for it, the desk's banner of replies not sent
used to learn it only at its next look, up to a minute later. Nobody else hears it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.pending_replies.timers import send_due_replies
from tests.clock import FrozenClock
from tests.conftest import Desk
from tests.realtime import desk_socket, serve
from tests.unit.notifications.support import bell
from tests.unit.notifications.test_reply_not_sent import hold, not_sent, setup
from tests.unit.sla.support import ok


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))


@pytest.fixture
async def live(app: FastAPI) -> AsyncIterator[str]:
    async with serve(app) as host:
        yield host


async def test_with_the_bell_off_the_author_desks_still_hear_it_at_once(
    app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock, live: str
) -> None:
    ada, inbox, ticket = await setup(desk)
    await ok(
        await ada.client.put(
            "/api/v1/notifications/preferences",
            json={"preferences": {"reply_not_sent": {"in_app": False, "push": False}}},
        )
    )
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    held = await hold(ada, ticket)
    admin = await desk.agent(role="admin")
    ada_ws, bob_ws, admin_ws = [await desk_socket(live, who) for who in (ada, bob, admin)]
    await ok(await admin.client.delete(f"/api/v1/inboxes/{inbox['id']}/members/{ada.id}"))

    clock.advance(seconds=10)
    assert await send_due_replies(app.state.sessionmaker, settings) == 1

    heard = await ada_ws.event("pending_reply.failed")
    assert heard["data"] == {"pending_reply_id": held["id"], "ticket_id": ticket["id"]}
    # What the banner reads on it: the reply, failed, with why.
    (listed,) = await ok(await ada.client.get("/api/v1/me/pending-replies"))
    assert (listed["id"], listed["state"], listed["error"]["code"]) == (
        held["id"],
        "failed",
        "ticket_not_visible",
    )
    # The bell stays as she chose it: no notification, none heard.
    assert not_sent(await bell(ada)) == []
    assert ada_ws.of_type("notification.created") == []

    # Only the author hears it: a later event to every agent reaches the others first.
    await ok(await bob.client.put("/api/v1/me/availability", json={"available": True}))
    for sock in (bob_ws, admin_ws):
        await sock.event("agent.availability_changed")
        assert sock.of_type("pending_reply.failed") == []
    for sock in (ada_ws, bob_ws, admin_ws):
        await sock.close()
