"""An admin's change of a user's role reaches that user's open desk over the real WebSocket
(docs/desk.md, "Light agents"): `inbox.membership_changed` without an inbox, which the desk takes
as "read /me again" (web/desk/src/realtime/events.ts). A change that leaves the role as it was
(the name, the same role again) sends nothing, so no desk reads /me for it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from tests.conftest import SQLITE_ONLY, Desk
from tests.realtime import desk_socket, serve

pytestmark = SQLITE_ONLY


@pytest.fixture
async def live(app: FastAPI) -> AsyncIterator[str]:
    async with serve(app) as host:
        yield host


async def test_a_role_change_reaches_the_users_open_desk(live: str, desk: Desk) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin")
    linus = await desk.agent(inboxes=[inbox], name="Linus")
    sock = await desk_socket(live, linus)

    # Committed before the role change, so anything it sent would arrive first.
    for unchanged in ({"name": "Linus Engineer"}, {"role": "agent"}):
        answer = await admin.client.patch(f"/api/v1/users/{linus.id}", json=unchanged)
        assert answer.status_code == 200, answer.text
    answer = await admin.client.patch(f"/api/v1/users/{linus.id}", json={"role": "collaborator"})
    assert answer.status_code == 200, answer.text

    heard = await sock.event("inbox.membership_changed")
    assert "inbox_id" not in heard["data"]
    assert len(sock.of_type("inbox.membership_changed")) == 1

    answer = await admin.client.patch(f"/api/v1/users/{linus.id}", json={"role": "agent"})
    assert answer.status_code == 200, answer.text
    await sock.wait_for(lambda _: len(sock.of_type("inbox.membership_changed")) == 2)
    await sock.close()
