"""view.changed over real WebSockets: a shared view created, edited and deleted by an admin
reaches every agent's desk socket; a personal view's change reaches only its owner's own tabs
(another agent's desk hears nothing of it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI

from tests.conftest import SQLITE_ONLY, Desk
from tests.realtime import desk_socket, serve

pytestmark = SQLITE_ONLY


@pytest.fixture
async def live(app: FastAPI) -> AsyncIterator[str]:
    """host:port of the app under test, served by uvicorn on loopback."""
    async with serve(app) as host:
        yield host


def changes(frames: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (frame["data"]["change"], frame["data"]["name"])
        for frame in frames
        if frame.get("type") == "view.changed"
    ]


async def test_shared_views_reach_every_desk_and_personal_ones_only_their_owner(
    live: str, desk: Desk
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    admin = await desk.agent(role="admin", name="Olive")
    bob_ws = await desk_socket(live, bob)
    ada_tab, ada_other_tab = await desk_socket(live, ada), await desk_socket(live, ada)

    # Ada's own view: her other tab hears of it, Bob's desk does not.
    own = await ada.client.post("/api/v1/views", json={"name": "My urgent"})
    assert own.status_code == 201, own.text
    heard = await ada_other_tab.event("view.changed", view_id=own.json()["id"])
    assert heard["data"] == {
        "view_id": own.json()["id"],
        "change": "created",
        "name": "My urgent",
        "shared": False,
        "by": {"id": ada.id, "name": "Ada"},
    }

    shared = await admin.client.post("/api/v1/views", json={"name": "Open", "shared": True})
    assert shared.status_code == 201, shared.text
    view_id = shared.json()["id"]
    path = f"/api/v1/views/{view_id}"
    assert (await admin.client.patch(path, json={"name": "Everything open"})).status_code == 200
    assert (await admin.client.delete(path)).status_code == 204
    for sock in (bob_ws, ada_tab):
        await sock.event("view.changed", view_id=view_id, change="deleted")
        # Events reach a socket in the order they were published: had Ada's personal view
        # reached Bob, it would be here, before the shared view's.
        assert changes(sock.frames) == [
            *([("created", "My urgent")] if sock is ada_tab else []),
            ("created", "Open"),
            ("updated", "Everything open"),
            ("deleted", "Everything open"),
        ]
    for sock in (bob_ws, ada_tab, ada_other_tab):
        await sock.close()
