"""Custom fields over real WebSockets: an admin's change of a definition reaches every agent's
desk (`field.changed`); a change of a customer's field values reaches the desks that may show
that customer (`customer.updated`), and not an agent of another inbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI

from tests.conftest import SQLITE_ONLY, Desk
from tests.realtime import desk_socket, serve
from tests.unit.support import new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY

URL = "/api/v1/fields"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
async def live(app: FastAPI) -> AsyncIterator[str]:
    async with serve(app) as host:
        yield host


def heard(frames: list[dict[str, Any]], type: str) -> list[dict[str, Any]]:
    return [frame["data"] for frame in frames if frame.get("type") == type]


async def test_definitions_and_customer_values_reach_the_desks_that_show_them(
    live: str, desk: Desk
) -> None:
    inbox, other_inbox = await desk.inbox(), await desk.inbox(name="Billing")
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[other_inbox], name="Bob")
    admin = await desk.agent(role="admin", name="Olive")
    ada_ws, bob_ws = await desk_socket(live, ada), await desk_socket(live, bob)

    made = await admin.client.post(
        URL, json={"object": "customer", "label": "Tier", "kind": "list", "options": ["Gold"]}
    )
    assert made.status_code == 201, made.text
    field_id = made.json()["id"]
    renamed = await admin.client.patch(f"{URL}/{field_id}", json={"label": "Level"})
    assert renamed.status_code == 200, renamed.text
    order = await admin.client.put(
        URL + "/order", json={"object": "customer", "field_ids": [field_id]}
    )
    assert order.status_code == 200, order.text
    # A refused change tells nobody: nothing was committed.
    refused = await admin.client.patch(f"{URL}/{field_id}", json={"options": []})
    assert refused.status_code == 422, refused.text

    ticket = await new_ticket(ada.client, inbox)
    customer_url = f"/api/v1/customers/{ticket['customer_id']}"
    patched = await ada.client.patch(customer_url, json={"fields": {"tier": "Gold"}})
    assert patched.status_code == 200, patched.text
    # A PATCH without fields says nothing of them.
    assert (await ada.client.patch(customer_url, json={"notes": "VIP"})).status_code == 200

    assert (await admin.client.delete(f"{URL}/{field_id}")).status_code == 204
    by = {"id": admin.id, "name": "Olive"}
    for sock in (ada_ws, bob_ws):
        await sock.event("field.changed", change="deleted")
        assert heard(sock.frames, "field.changed") == [
            {"object": "customer", "change": change, "field_id": changed_id, "by": by}
            for change, changed_id in (
                ("created", field_id),
                ("updated", field_id),
                ("reordered", None),
                ("deleted", field_id),
            )
        ]
    # Ada's inbox shows the customer: she hears of the new value (events come in order, so
    # it came before the deletion); Bob's inbox has no ticket of theirs.
    assert heard(ada_ws.frames, "customer.updated") == [
        {"customer_id": ticket["customer_id"], "changes": ["fields"]}
    ]
    assert heard(bob_ws.frames, "customer.updated") == []
    for sock in (ada_ws, bob_ws):
        await sock.close()
