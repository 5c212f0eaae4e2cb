"""Checklist changes reach integrations as webhooks (docs/webhooks.md): one
`ticket.checklist_updated` per change, with the item (a deleted one as it was), the change, the
ticket's counts and who acted; the item's text (agents' words) only to a webhook that includes
internal notes; nothing about a spam ticket's checklist. SQLite alone: test_checklists_api.py
sends the checklists' statements to both stores."""

from __future__ import annotations

from fastapi import FastAPI

from tests.conftest import SQLITE_ONLY, Desk
from tests.unit.webhooks.receiver import Receiver, receiver
from tests.unit.webhooks.test_customer_events import deliver_all
from tests.unit.webhooks.test_webhook_events import subscribe

pytestmark = SQLITE_ONLY

EVENT = "ticket.checklist_updated"


async def test_each_change_of_a_checklist_is_told_once(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada")
    await subscribe(admin, hooks, events=[EVENT])
    with receiver() as insider:
        await subscribe(admin, insider, events=[EVENT], include_internal=True)
        ticket = await admin.client.post(
            "/api/v1/tickets",
            json={"inbox_id": inbox["id"], "customer": {"email": "c@example.org"}, "subject": "Hi"},
        )
        ticket_id = ticket.json()["id"]
        items = f"/api/v1/tickets/{ticket_id}/checklist/items"
        made = await admin.client.post(items, json={"text": "Refund the rude customer"})
        item_id = made.json()["id"]
        await admin.client.patch(f"{items}/{item_id}", json={"done": True})
        # Ticked again: nothing changed, nothing told.
        await admin.client.patch(f"{items}/{item_id}", json={"done": True})
        await admin.client.delete(f"{items}/{item_id}")
        junk = await admin.client.post(
            "/api/v1/tickets",
            json={"inbox_id": inbox["id"], "customer": {"email": "j@example.org"}, "subject": "$"},
        )
        spam = await admin.client.post(f"/api/v1/tickets/{junk.json()['id']}/spam", json={})
        assert spam.status_code == 200, spam.text
        on_junk = await admin.client.post(
            f"/api/v1/tickets/{junk.json()['id']}/checklist/items", json={"text": "x"}
        )
        assert on_junk.status_code == 201, on_junk.text
        await deliver_all(app)

        assert all(r.verified for r in [*hooks.requests, *insider.requests])
        assert [e["type"] for e in insider.events()] == [EVENT] * 3
        created, ticked, deleted = (e["data"] for e in insider.events())
        assert [d["change"] for d in (created, ticked, deleted)] == [
            "created",
            "updated",
            "deleted",
        ]
        assert created["item"]["text"] == "Refund the rude customer"
        assert (created["ticket_id"], created["checklist"]) == (ticket_id, {"done": 0, "total": 1})
        assert created["actor"] == {
            "type": "agent",
            "id": admin.id,
            "name": "Ada",
            "email": admin.user["email"],
        }
        assert ticked["item"]["done_by"] == {"id": admin.id, "name": "Ada"}
        assert ticked["checklist"] == {"done": 1, "total": 1}
        assert (deleted["item"]["id"], deleted["checklist"]) == (item_id, {"done": 0, "total": 0})

        outside = hooks.events()
        assert [e["type"] for e in outside] == [EVENT] * 3
        assert all("text" not in e["data"]["item"] for e in outside)
        assert "rude" not in str([r.body for r in hooks.requests])
