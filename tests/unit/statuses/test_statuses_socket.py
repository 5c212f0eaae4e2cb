"""Custom ticket statuses over real WebSockets: an admin's change of a status reaches every
agent's desk (`ticket_status.changed`), whatever their inboxes; a refused change, or one that
changes nothing, tells nobody."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI

from tests.conftest import SQLITE_ONLY, Desk
from tests.realtime import desk_socket, serve
from tests.unit.support import use_cheap_passwords

pytestmark = SQLITE_ONLY

URL = "/api/v1/ticket-statuses"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
async def live(app: FastAPI) -> AsyncIterator[str]:
    async with serve(app) as host:
        yield host


def heard(frames: list[dict[str, Any]], type: str) -> list[dict[str, Any]]:
    return [frame["data"] for frame in frames if frame.get("type") == type]


async def test_every_change_of_a_status_reaches_every_desk(live: str, desk: Desk) -> None:
    ada = await desk.agent(inboxes=[await desk.inbox()], name="Ada")
    bob = await desk.agent(inboxes=[await desk.inbox(name="Billing")], name="Bob")
    admin = await desk.agent(role="admin", name="Olive")
    ada_ws, bob_ws = await desk_socket(live, ada), await desk_socket(live, bob)

    made = await admin.client.post(URL, json={"name": "Waiting on vendor", "state": "hold"})
    assert made.status_code == 201, made.text
    status_id = made.json()["id"]
    url = f"{URL}/{status_id}"
    # A change that changes nothing (the values it has) tells nobody.
    same = {"name": "Waiting on vendor", "description": "", "position": 0, "archived": False}
    unchanged = await admin.client.patch(url, json=same)
    assert unchanged.status_code == 200, unchanged.text
    assert unchanged.json() == made.json()
    for body in ({"name": "Vendor"}, {"archived": True}, {"archived": False}):
        edited = await admin.client.patch(url, json=body)
        assert edited.status_code == 200, edited.text
    # A refused change tells nobody: nothing was committed.
    taken = await admin.client.post(URL, json={"name": "VENDOR", "state": "open"})
    assert taken.status_code == 409, taken.text
    assert (await admin.client.delete(url)).status_code == 204

    by = {"id": admin.id, "name": "Olive"}
    for sock in (ada_ws, bob_ws):
        await sock.event("ticket_status.changed", change="deleted")
        assert heard(sock.frames, "ticket_status.changed") == [
            {"change": change, "status_id": status_id, "by": by}
            for change in ("created", *["updated"] * 3, "deleted")
        ]
    for sock in (ada_ws, bob_ws):
        await sock.close()
