"""Time entries reach a billing system as webhooks (docs/webhooks.md, "Time entries"): one
`time_entry.created`, `.updated` and `.deleted` per change, with the entry (a deleted one as it
was), the ticket's new total and who acted; the entry's note (agents' words) only to a webhook
that includes internal notes; nothing about a spam ticket's time. On both stores."""

from __future__ import annotations

from fastapi import FastAPI

from tests.conftest import Desk
from tests.unit.webhooks.receiver import Receiver, receiver
from tests.unit.webhooks.test_customer_events import deliver_all
from tests.unit.webhooks.test_webhook_events import subscribe

TIME = ["time_entry.created", "time_entry.updated", "time_entry.deleted"]


async def test_each_change_of_a_time_entry_is_told_once(
    app: FastAPI, desk: Desk, hooks: Receiver
) -> None:
    inbox = await desk.inbox()
    admin = await desk.agent(role="admin", inboxes=[inbox], name="Ada")
    await subscribe(admin, hooks, events=TIME)
    with receiver() as insider:
        await subscribe(admin, insider, events=TIME, include_internal=True)
        ticket = await admin.client.post(
            "/api/v1/tickets",
            json={"inbox_id": inbox["id"], "customer": {"email": "c@example.org"}, "subject": "Hi"},
        )
        ticket_id = ticket.json()["id"]
        logged = await admin.client.post(
            f"/api/v1/tickets/{ticket_id}/time-entries",
            json={"minutes": 30, "note": "Customer was rude"},
        )
        entry_id = logged.json()["id"]
        await admin.client.patch(f"/api/v1/time-entries/{entry_id}", json={"minutes": 45})
        await admin.client.delete(f"/api/v1/time-entries/{entry_id}")
        # Time on a ticket later marked spam: its entries' changes are not told.
        junk = await admin.client.post(
            "/api/v1/tickets",
            json={"inbox_id": inbox["id"], "customer": {"email": "j@example.org"}, "subject": "$"},
        )
        on_junk = await admin.client.post(
            f"/api/v1/tickets/{junk.json()['id']}/time-entries", json={"minutes": 5}
        )
        spam = await admin.client.post(f"/api/v1/tickets/{junk.json()['id']}/spam", json={})
        assert spam.status_code == 200, spam.text
        gone = await admin.client.delete(f"/api/v1/time-entries/{on_junk.json()['id']}")
        assert gone.status_code == 204, gone.text
        await deliver_all(app)

        assert all(r.verified for r in [*hooks.requests, *insider.requests])
        assert [e["type"] for e in insider.events()] == [*TIME, "time_entry.created"]
        created, updated, deleted, _ = (e["data"] for e in insider.events())
        assert created["time_entry"]["minutes"] == 30
        assert created["time_entry"]["note"] == "Customer was rude"
        assert (created["ticket_id"], created["time_spent_minutes"]) == (ticket_id, 30)
        assert created["actor"] == {
            "type": "agent",
            "id": admin.id,
            "name": "Ada",
            "email": admin.user["email"],
        }
        assert (updated["time_entry"]["minutes"], updated["time_spent_minutes"]) == (45, 45)
        assert (deleted["time_entry"]["id"], deleted["time_spent_minutes"]) == (entry_id, 0)

        outside = hooks.events()
        assert [e["type"] for e in outside] == [*TIME, "time_entry.created"]
        assert all("note" not in e["data"]["time_entry"] for e in outside)
        assert "rude" not in str([r.body for r in hooks.requests])
        assert outside[0]["data"]["time_entry"]["minutes"] == 30
